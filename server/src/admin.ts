/**
 * `npm run admin -- <command>`: account rescue for people who lost access,
 * working on the data directory's database directly (CS_DATA_DIR, default
 * ./.data; the server may be running: SQLite takes turns).
 *
 *   create-owner --email <e> --name <n> [--password <p>]   the owner (when there is none)
 *   reset-password --email <e> [--password <p>]            a new password; signs every session out
 *   list                                                   accounts with role and state
 *
 * Without --password one is generated and printed once. A running server
 * sees the change at the next request (sessions are looked up each time);
 * sockets opened before a reset stay until they reconnect.
 */
import { DEFAULT_BUSINESS_HOURS, DEFAULT_EMAIL_SETTINGS } from './email/settings.js';
import { randomBytes } from 'node:crypto';
import { AccountError, AccountService, DEFAULT_TEXTS } from './accounts/index.js';
import { openMigrated } from './store/db.js';

const USAGE = `usage: npm run admin -- create-owner --email <email> --name <name> [--password <password>]
       npm run admin -- reset-password --email <email> [--password <password>]
       npm run admin -- list
(CS_DATA_DIR selects the data directory, default ./.data)
`;

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: readonly string[]): Promise<number> {
  const [command = ''] = args;
  if (!['create-owner', 'reset-password', 'list'].includes(command)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const dataDir = process.env.CS_DATA_DIR || './.data';
  const db = openMigrated(dataDir);
  try {
    const accounts = new AccountService(db, {
      defaultSettings: { widget: { color: '', title: '', position: 'right' }, texts: DEFAULT_TEXTS, blocked_words: [], blocked_words_mode: 'mask', allowed_origins: [], business_hours: DEFAULT_BUSINESS_HOURS, email: DEFAULT_EMAIL_SETTINGS },
    });
    if (command === 'list') {
      const list = accounts.accounts.list();
      if (list.length === 0) process.stdout.write(`no accounts in ${dataDir} (start the server: it prints the owner setup link)\n`);
      for (const a of list) process.stdout.write(`${a.role.padEnd(6)} ${a.disabled ? 'disabled' : 'enabled '} ${a.email}  ${a.name}  (${a.id})\n`);
      return 0;
    }
    const email = flag(args, 'email');
    if (!email) {
      process.stderr.write(`--email is required\n${USAGE}`);
      return 2;
    }
    const given = flag(args, 'password');
    const password = given ?? randomBytes(12).toString('base64url');
    if (command === 'create-owner') {
      const name = flag(args, 'name');
      if (!name) {
        process.stderr.write(`--name is required\n${USAGE}`);
        return 2;
      }
      const owner = await accounts.createOwner({ name, email, password });
      process.stdout.write(`owner created: ${owner.email} (${owner.id})\n`);
    } else {
      const account = await accounts.resetPassword(email, password);
      process.stdout.write(`password reset for ${account.email}; every session of the account is signed out\n`);
    }
    if (!given) process.stdout.write(`password: ${password}\n`);
    return 0;
  } catch (error) {
    if (error instanceof AccountError) {
      process.stderr.write(`admin: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`admin: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
