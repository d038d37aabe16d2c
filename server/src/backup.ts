/**
 * `npm run backup -- <file>`: a consistent copy of `CS_DATA_DIR/cs-chat.db`
 * (default ./.data) made while the server runs (SQLite online backup, see
 * store/backup.ts). Restore: stop the server, copy the file to
 * `CS_DATA_DIR/cs-chat.db` (removing any cs-chat.db-wal / -shm beside it),
 * start the server.
 */
import { dataDirFromEnv } from './config.js';
import { backupDatabase } from './store/backup.js';

const file = process.argv[2] ?? '';
const dataDir = dataDirFromEnv(process.env);
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: [CS_DATA_DIR=./.data] npm run backup -- <file>   (a new file: it is never overwritten)\n');
  process.exit(2);
}
if (!dataDir) {
  process.stderr.write('CS_JOURNAL=off keeps nothing on disk: there is nothing to back up\n');
  process.exit(2);
}
backupDatabase(dataDir, file).then(
  (report) => {
    process.stdout.write(`backup written to ${report.file}: ${report.bytes} bytes, ${report.conversations} conversations, ${report.messages} messages\n`);
  },
  (error: unknown) => {
    process.stderr.write(`backup failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
