import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHECKER = join(import.meta.dirname, '..', 'check-imports.mjs');

function check(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'cs-imports-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const run = spawnSync(process.execPath, [CHECKER, '--root', root], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

test('the import check passes on this repository', () => {
  const run = spawnSync(process.execPath, [CHECKER], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

test('the import check fails when the pipeline imports the gateway, naming the file and the import', () => {
  const run = check({
    'server/src/pipeline/send.ts': "import type { Socket } from '../gateway/session.js';\nexport const x = 1;\n",
    'server/src/gateway/session.ts': 'export type Socket = object;\n',
  });
  assert.equal(run.status, 1);
  assert.match(run.output, /server\/src\/pipeline\/send\.ts: imports '\.\.\/gateway\/session\.js'/);
});

test('the import check fails when the pipeline imports uWebSockets.js, also as a type or a re-export', () => {
  const run = check({
    'server/src/pipeline/a.ts': "import type {\n  WebSocket,\n} from 'uWebSockets.js';\n",
    'server/src/pipeline/b.ts': "export { Hub } from '../gateway/hub.js';\n",
  });
  assert.equal(run.status, 1);
  assert.match(run.output, /pipeline\/a\.ts: imports 'uWebSockets\.js'/);
  assert.match(run.output, /pipeline\/b\.ts: imports '\.\.\/gateway\/hub\.js'/);
});

test('the import check ignores allowed imports and imports mentioned in comments', () => {
  const run = check({
    'server/src/pipeline/a.ts': "// import { Hub } from '../gateway/hub.js';\nimport { x } from '../store/conversations.js';\n",
    'server/src/gateway/b.ts': "import { App } from 'uWebSockets.js';\n",
  });
  assert.equal(run.status, 0, run.output);
});

test('the import check fails when the widget core or store imports the transport, naming the file and the import', () => {
  const run = check({
    'widget/src/core/timeline.ts': "import { MessageState } from '../transport/session-types.js';\n",
    'widget/src/store/db.ts': "import type { TimelineItem } from '../transport/index.js';\nimport { openDB } from 'idb';\n",
    'widget/src/transport/session-types.ts': 'export const MessageState = {};\n',
  });
  assert.equal(run.status, 1);
  assert.match(run.output, /widget\/src\/core\/timeline\.ts: imports '\.\.\/transport\/session-types\.js'/);
  assert.match(run.output, /widget\/src\/store\/db\.ts: imports '\.\.\/transport\/index\.js'/);
  assert.doesNotMatch(run.output, /imports 'idb'/, 'the store may use idb');
});

test('the import check lets the widget core use its own modules and the store use core', () => {
  const run = check({
    'widget/src/core/timeline.ts': "import { MessageState } from './types.js';\nimport type { cs } from '../../../proto/gen/chat.js';\n",
    'widget/src/store/db.ts': "import type { TimelineItem } from '../core/types.js';\nimport { openDB } from 'idb';\n",
  });
  assert.equal(run.status, 0, run.output);
});
