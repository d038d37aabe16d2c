/**
 * What `npm start` prints about signing in (DESIGN.md §9, issue 12):
 *
 * - A store with no account and a real `CS_SECRET`: a one-time owner setup
 *   link `/setup#code=…` (valid `SETUP_TTL_MS`, once; a restart makes a new
 *   one and the old one stops working).
 * - The demo (no `CS_SECRET`): a demo owner is made with a generated
 *   password, kept beside the generated secret in `CS_DATA_DIR/demo-owner`
 *   (mode 0600) so the next start prints the same sign-in; once its
 *   password is changed, the file is no longer printed.
 * - Otherwise: where to sign in.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETUP_TTL_MS } from './invites.js';
import { verifyPassword } from './password.js';
import type { AccountService } from './service.js';

/** The demo owner's email. */
export const DEMO_OWNER_EMAIL = 'owner@demo.example';

export interface FirstRunOptions {
  /** True without CS_SECRET (the demo). */
  readonly demo: boolean;
  /** Where the demo owner's password is kept; '' keeps it nowhere (CS_JOURNAL=off). */
  readonly dataDir: string;
  /** e.g. http://localhost:8080 */
  readonly baseUrl: string;
}

/** Lines telling the operator how to sign in (made the first time: setup code or demo owner). */
export async function signInInstructions(accounts: AccountService, options: FirstRunOptions): Promise<string[]> {
  const workbench = `${options.baseUrl}/agent`;
  if (accounts.needsSetup() && !options.demo) {
    const setup = accounts.createSetupCode();
    if (setup) {
      const minutes = Math.round(SETUP_TTL_MS / 60_000);
      return [`  Owner setup (once, valid ${minutes} min): ${options.baseUrl}/setup#code=${setup.code}`];
    }
  }
  if (options.demo) {
    const demo = await demoOwner(accounts, options.dataDir);
    if (demo) return [`  Agent workbench:     ${workbench}`, `  Demo sign-in:        ${demo.email}  /  ${demo.password}`];
  }
  return [`  Agent workbench:     ${workbench}  (sign in with your account; lost access? npm run admin -- reset-password --email <you>)`];
}

/** The demo owner's sign-in, made if the store has no account; undefined once its password was changed. */
async function demoOwner(accounts: AccountService, dataDir: string): Promise<{ email: string; password: string } | undefined> {
  const file = dataDir ? join(dataDir, 'demo-owner') : '';
  if (accounts.needsSetup()) {
    const password = randomBytes(9).toString('base64url');
    await accounts.createOwner({ name: 'Demo Owner', email: DEMO_OWNER_EMAIL, password });
    if (file) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, `${DEMO_OWNER_EMAIL}\n${password}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    return { email: DEMO_OWNER_EMAIL, password };
  }
  if (!file) return undefined;
  try {
    const [email = '', password = ''] = readFileSync(file, 'utf8').split('\n');
    const account = accounts.accounts.byEmail(email);
    if (account && !account.disabled && (await verifyPassword(password, accounts.accounts.passwordHash(account.id)))) return { email, password };
  } catch {
    // No demo file (the store was set up another way).
  }
  return undefined;
}

