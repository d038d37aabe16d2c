/**
 * The workbench's calls to the JSON API for signing in (DESIGN.md §12):
 * `me`, password sign-in and out, first-run setup and invite acceptance.
 * Same-origin `fetch` with the session cookie; writes carry the session's
 * CSRF token (`X-CSRF-Token`). A refusal becomes an {@link AccountFailure}
 * with the server's message, which the screens show as it is (e.g. the
 * sign-in rate limit: "Too many failed sign-in attempts. Try again in 15 minutes.").
 */

/** The signed-in account as the API shows it. */
export interface AccountInfo {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: 'owner' | 'admin' | 'agent';
  readonly avatar_color: string;
  readonly lang: string;
}

/** A sign-in: the account and the session's CSRF token. */
export interface SignedIn {
  readonly account: AccountInfo;
  readonly csrf: string;
}

/** A refused call: the API's error code and message. */
export class AccountFailure extends Error {
  readonly type = 'AccountFailure';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AccountFailure';
  }
}

/** The HTTP origin of the server whose WebSocket URL is `wsUrl`. */
export function httpBaseOf(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

async function call<T>(base: string, method: string, path: string, body?: unknown, csrf = ''): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new AccountFailure('network', 'The server cannot be reached. Check the connection and try again.');
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new AccountFailure(error?.code ?? String(response.status), error?.message ?? `The server answered ${response.status}.`);
  }
  return parsed as T;
}

function signedIn(answer: { account: AccountInfo; csrf_token: string }): SignedIn {
  return { account: answer.account, csrf: answer.csrf_token };
}

/** The account this browser is signed in as, or undefined. */
export async function currentAccount(base: string): Promise<SignedIn | undefined> {
  try {
    const me = await call<{ account: AccountInfo | null; csrf_token?: string }>(base, 'GET', '/api/me');
    return me.account ? { account: me.account, csrf: me.csrf_token ?? '' } : undefined;
  } catch (error) {
    if (error instanceof AccountFailure && error.code === 'unauthenticated') return undefined;
    throw error;
  }
}

/** Password sign-in. */
export async function login(base: string, email: string, password: string): Promise<SignedIn> {
  return signedIn(await call(base, 'POST', '/api/login', { email, password }));
}

/** Signs this browser's session out (the server closes its sockets). */
export async function logout(base: string, csrf: string): Promise<void> {
  await call(base, 'POST', '/api/logout', undefined, csrf);
}

/** First run: makes the owner from the setup link's code. */
export async function completeSetup(base: string, code: string, name: string, email: string, password: string): Promise<SignedIn> {
  return signedIn(await call(base, 'POST', '/api/setup', { code, name, email, password }));
}

/** What an invite link offers: the role and, when the inviter fixed it, the email. */
export async function previewInvite(base: string, code: string): Promise<{ role: string; email: string }> {
  return call(base, 'POST', '/api/invites/preview', { code });
}

/** Accepts an invite: the invitee's name, email (unless fixed) and password. */
export async function acceptInvite(base: string, code: string, name: string, email: string, password: string): Promise<SignedIn> {
  return signedIn(await call(base, 'POST', '/api/invites/accept', { code, name, email, password }));
}
