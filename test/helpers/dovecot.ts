/**
 * A real Dovecot IMAP server for tests (issue 14: no mock IMAP): Debian's
 * `dovecot-imapd` (`.ci/run` installs it), started with a generated config
 * on a loopback port, one user with a test password and a Maildir in a temp
 * folder. Mail is delivered the way an MTA's local delivery does it: a file
 * written into the Maildir's `tmp/` and renamed into `new/`.
 *
 * Dovecot daemonizes, so it is spawned with stdio ignored and stopped by the
 * pid in `<base_dir>/master.pid`. As root it refuses to run its processes as
 * root: a system user (`cs-dovecot-test`, made with `useradd -r` when absent)
 * owns the Maildir and runs the login and internal processes, and the login
 * processes are not chrooted. Dovecot 2.3 and 2.4 spell the config
 * differently; both are written here (`dovecot --version` picks; the 2.4
 * form follows doc.dovecot.org/2.4 and was not run on this machine, which
 * has 2.3: a refusal names the generated file and Dovecot's complaint).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Where Debian installs the binary. */
export const DOVECOT_BIN = '/usr/sbin/dovecot';
/** The system user Dovecot's processes and the Maildir belong to when tests run as root. */
const SYSTEM_USER = 'cs-dovecot-test';

/** A running Dovecot. */
export interface Dovecot {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** `imap://user:pass@127.0.0.1:port` (CS_IMAP_URL). */
  readonly url: string;
  /** The Maildir of the user's INBOX. */
  readonly maildir: string;
  /** Delivers a raw message (RFC 5322 text) into INBOX; returns the file name. */
  deliver(raw: string | Buffer): string;
  /** Messages still in `new/` (not yet seen by any IMAP client). */
  newCount(): number;
  /** Dovecot's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** True when Dovecot is installed (tests that need it say so clearly otherwise). */
export function dovecotInstalled(): boolean {
  return existsSync(DOVECOT_BIN);
}

/** Starts Dovecot on a free loopback port. Rejects with Dovecot's log when it does not come up. */
export async function startDovecot(options: { user?: string; password?: string; port?: number } = {}): Promise<Dovecot> {
  const user = options.user ?? 'shop';
  const password = options.password ?? randomBytes(9).toString('base64url');
  const root = mkdtempSync(join(tmpdir(), 'cs-dovecot-'));
  chmodSync(root, 0o755);
  const owner = processOwner();
  const dirs = { run: join(root, 'run'), state: join(root, 'state'), mail: join(root, 'mail') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o755 });
  const maildir = join(dirs.mail, user, 'Maildir');
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true, mode: 0o700 });
  chownTree(owner, [join(dirs.mail, user), maildir, ...['new', 'cur', 'tmp'].map((s) => join(maildir, s))]);
  writeFileSync(join(root, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });

  const version = execFileSync(DOVECOT_BIN, ['--version'], { encoding: 'utf8' }).trim();
  const port = options.port ?? (await freePort());
  const paths = { root, ...dirs, passwd: join(root, 'passwd'), log: join(root, 'dovecot.log') };
  const config = /^2\.[0-3]\./.test(version) ? config23(paths, port, owner) : config24(paths, port, owner);
  const configFile = join(root, 'dovecot.conf');
  writeFileSync(configFile, config);
  try {
    execFileSync(DOVECOT_BIN, ['-c', configFile, '-n'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`dovecot ${version} refused the generated config ${configFile}: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  spawn(DOVECOT_BIN, ['-c', configFile], { stdio: 'ignore' }).unref();
  const log = (): string => (existsSync(paths.log) ? readFileSync(paths.log, 'utf8') : '');
  await waitForGreeting(port, log);

  let seq = 0;
  const dovecot: Dovecot = {
    port,
    user,
    password,
    url: `imap://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    maildir,
    deliver(raw) {
      const name = `${Date.now()}.M${process.pid}P${++seq}.cs-test`;
      const tmp = join(maildir, 'tmp', name);
      writeFileSync(tmp, typeof raw === 'string' ? raw.replace(/\r?\n/g, '\n') : raw, { mode: 0o600 });
      chownTree(owner, [tmp]);
      renameSync(tmp, join(maildir, 'new', name));
      return name;
    },
    newCount() {
      return execFileSync('ls', [join(maildir, 'new')], { encoding: 'utf8' }).split('\n').filter((s) => s).length;
    },
    log,
    async stop() {
      const pidFile = join(dirs.run, 'master.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
        for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  return dovecot;
}

interface Owner {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The user Dovecot's processes run as: this user, or (as root) the test system user. */
function processOwner(): Owner {
  const me = userInfo();
  if (me.uid !== 0) return { name: me.username, uid: me.uid, gid: me.gid };
  try {
    execFileSync('id', ['-u', SYSTEM_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-r', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', SYSTEM_USER], { stdio: 'ignore' });
  }
  const uid = Number(execFileSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { name: SYSTEM_USER, uid, gid };
}

function chownTree(owner: Owner, paths: readonly string[]): void {
  if (userInfo().uid !== 0) return;
  for (const path of paths) chownSync(path, owner.uid, owner.gid);
}

interface Paths {
  readonly root: string;
  readonly run: string;
  readonly state: string;
  readonly mail: string;
  readonly passwd: string;
  readonly log: string;
}

function config23(p: Paths, port: number, owner: Owner): string {
  return `# generated by test/helpers/dovecot.ts (Dovecot 2.3)
base_dir = ${p.run}
state_dir = ${p.state}
log_path = ${p.log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${owner.name}
default_login_user = ${owner.name}
first_valid_uid = 1
mail_location = maildir:${p.mail}/%u/Maildir
mailbox_idle_check_interval = 1 secs
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${p.passwd}
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${p.mail}/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
`;
}

function config24(p: Paths, port: number, owner: Owner): string {
  return `# generated by test/helpers/dovecot.ts (Dovecot 2.4)
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = ${p.run}
state_dir = ${p.state}
log_path = ${p.log}
protocols = imap
listen = 127.0.0.1
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
default_internal_user = ${owner.name}
default_login_user = ${owner.name}
first_valid_uid = 1
mail_driver = maildir
mail_path = ${p.mail}/%{user}/Maildir
mail_home = ${p.mail}/%{user}
mailbox_idle_check_interval = 1 secs
passdb passwd-file {
  passwd_file_path = ${p.passwd}
}
userdb static {
  fields {
    uid = ${owner.uid}
    gid = ${owner.gid}
    home = ${p.mail}/%{user}
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
`;
}

/** A loopback port nobody listens on now (Dovecot needs a number, not 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the port answers with an IMAP greeting. */
async function waitForGreeting(port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (greeted) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not start on 127.0.0.1:${port}:\n${log()}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
