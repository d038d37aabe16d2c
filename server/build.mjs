// Bundles the server with esbuild (run by `npm run build`):
//   server/src/main.ts        -> dist/server/main.js         (`npm run serve`)
//   server/src/agent-token.ts -> dist/server/agent-token.js  (`npm run agent-token -- <id>`)
//   server/src/admin.ts       -> dist/server/admin.js        (`npm run admin -- create-owner|reset-password|list`)
//   server/src/index.ts       -> dist/server/index.js        (startServer as a library)
//   server/src/backup.ts      -> dist/server/backup.js       (`npm run backup -- <file>`)
//   server/src/store/writer-worker.ts -> dist/server/store-writer.js (the store's writer thread, loaded by store/writer.ts)
// Platform node, ESM, npm packages external (uWebSockets.js is native).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: {
    main: join(root, 'server/src/main.ts'),
    'agent-token': join(root, 'server/src/agent-token.ts'),
    admin: join(root, 'server/src/admin.ts'),
    index: join(root, 'server/src/index.ts'),
    backup: join(root, 'server/src/backup.ts'),
    'store-writer': join(root, 'server/src/store/writer-worker.ts'),
  },
  outdir: join(root, 'dist/server'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log('server build: dist/server/{main,agent-token,admin,index,backup,store-writer}.js');
