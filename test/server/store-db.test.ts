/**
 * The SQLite foundation (store/db.ts, store/migrations.ts): the file and its
 * settings, versioned migrations, the dedup index, and the one-server-per-
 * data-directory lock (also across processes and after a SIGKILL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataDirLockedError, dbPath, lockDataDir, openDb, openMigrated } from '../../server/src/store/db.js';
import { migrate, MIGRATIONS, SchemaTooNewError, schemaVersion, type Migration } from '../../server/src/store/migrations.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-db-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const insertMessage = `INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms)
  VALUES (?, ?, ?, ?, 1, '', 0, ?, 0)`;

test('the database is CS_DATA_DIR/cs-chat.db in WAL mode with synchronous=FULL and a busy timeout', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(join(dir, 'nested'));
  t.after(() => db.close());
  assert.ok(existsSync(dbPath(join(dir, 'nested'))));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  for (const name of ['conversations', 'cursors', 'messages', 'meta', 'schema_migrations', 'schema_version', 'visitors']) assert.ok(tables.includes(name), name);
  assert.equal(schemaVersion(db), MIGRATIONS.length);
});

test('migrating twice changes nothing; a step appended later runs once and keeps the data written before it', async (t) => {
  const dir = await tempDir(t);
  let db = openMigrated(dir);
  db.prepare(insertMessage).run('c1', 1, 'm1', 'v1', 'kept across migrations');
  assert.deepEqual(migrate(db), { from: MIGRATIONS.length, to: MIGRATIONS.length });
  db.close();

  let runs = 0;
  const later: Migration = {
    name: 'test: pinned messages',
    up(conn) {
      runs += 1;
      conn.exec('ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0');
    },
  };
  const steps = [...MIGRATIONS, later];
  db = openMigrated(dir, { migrations: steps });
  assert.equal(schemaVersion(db), steps.length);
  assert.deepEqual(db.prepare('SELECT text, pinned FROM messages').all(), [{ text: 'kept across migrations', pinned: 0 }]);
  db.close();
  db = openMigrated(dir, { migrations: steps });
  t.after(() => db.close());
  assert.equal(runs, 1, 'a step never runs twice');
  const names = (db.prepare('SELECT name FROM schema_migrations ORDER BY version').all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(names, steps.map((s) => s.name));
});

test('a failing step is rolled back and leaves the database at the last completed version', async (t) => {
  const dir = await tempDir(t);
  openMigrated(dir).close();
  const broken: Migration = {
    name: 'test: broken',
    up(conn) {
      conn.exec('CREATE TABLE half_made (x INTEGER)');
      throw new Error('step failed');
    },
  };
  assert.throws(() => openMigrated(dir, { migrations: [...MIGRATIONS, broken] }), /step failed/);
  const db = openDb(dir);
  t.after(() => db.close());
  assert.equal(schemaVersion(db), MIGRATIONS.length);
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_made'").get(), undefined);
});

test('a database from a newer server is refused with a clear error', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length + 5);
  db.close();
  assert.throws(() => openMigrated(dir), (error: unknown) => error instanceof SchemaTooNewError && /newer cs-chat/.test(error.message));
});

test('the dedup index refuses a second (conversation, sender, client_msg_id), and allows it in another conversation or from another sender', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  const insert = db.prepare(insertMessage);
  insert.run('c1', 1, 'same-id', 'v1', 'first');
  assert.throws(() => insert.run('c1', 2, 'same-id', 'v1', 'retry'), /UNIQUE constraint failed/);
  assert.throws(() => insert.run('c1', 1, 'other', 'v1', 'same seq'), /UNIQUE constraint failed/);
  insert.run('c1', 2, 'same-id', 'v2', 'another sender');
  insert.run('c2', 1, 'same-id', 'v1', 'another conversation');
});

test('a second server on the same data directory is refused until the first releases it', async (t) => {
  const dir = await tempDir(t);
  const first = lockDataDir(dir);
  assert.throws(() => lockDataDir(dir), (error: unknown) => error instanceof DataDirLockedError && error.message.includes(dir));
  first.release();
  lockDataDir(dir).release();
});

test('the lock of a process killed with SIGKILL is free again (no stale lock file to clean up)', async (t) => {
  const dir = await tempDir(t);
  const dbModule = resolve('server/src/store/db.ts');
  const script = `import { lockDataDir } from ${JSON.stringify(dbModule)}; lockDataDir(${JSON.stringify(dir)}); gc(); console.log('locked'); setInterval(() => {}, 1000);`;
  // The child drops the lock's handle and collects garbage: the lock must hold anyway (better-sqlite3 closes unreferenced connections).
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((done, fail) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && done());
    child.once('exit', (code) => fail(new Error(`child exited ${code} before locking`)));
  });
  assert.throws(() => lockDataDir(dir), DataDirLockedError, 'held by the other process');
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
  lockDataDir(dir).release();
});
