/**
 * The workbench admin pages' client for the JSON API (DESIGN.md §12):
 * accounts, invites, sessions, the signed-in profile, settings and canned
 * replies. Same-origin `fetch` with the session cookie; every write carries
 * the session's CSRF token. A refusal becomes an {@link AccountFailure} with
 * the server's code and message, which the pages show as they are.
 */
import { AccountFailure, type AccountInfo } from './inbox-account.js';

/** An account as `GET /api/accounts` lists it. */
export interface TeamAccount extends AccountInfo {
  readonly disabled: boolean;
  readonly online: boolean;
  readonly created_at: number;
}

/** A pending invite. */
export interface InviteJson {
  readonly id: string;
  readonly role: 'agent' | 'admin';
  readonly email: string;
  readonly created_by: string;
  readonly created_at: number;
  readonly expires_at: number;
}

/** A conversation as `GET /api/conversations` lists it. */
export interface ConversationJson {
  readonly id: string;
  readonly site: string;
  readonly topic: string;
  readonly status: 'open' | 'pending' | 'resolved';
  readonly assignee_id: string;
  readonly visitor_id: string;
  readonly visitor_user_id: string;
  readonly visitor_name: string;
  readonly visitor_email: string;
  readonly last_seq: number;
  readonly preview: string;
  readonly preview_sender_id?: string;
  readonly preview_sender_role?: string;
  readonly preview_note?: boolean;
  readonly unread: number;
  readonly created_at: number;
  readonly last_activity_at: number;
  /** With `q`: an excerpt of the newest message that matched. */
  readonly match?: { readonly seq: number; readonly text: string; readonly sent_at: number };
}

/** A sign-in session of an account. */
export interface SessionJson {
  readonly id: string;
  readonly account_id: string;
  readonly created_at: number;
  readonly last_seen_at: number;
  readonly expires_at: number;
  readonly ip: string;
  readonly user_agent: string;
  /** The session this browser uses. */
  readonly current: boolean;
}

/** The bot texts of one language. */
export interface BotTextsJson {
  readonly greeting: string;
  readonly offline: string;
}

/** The settings document (`GET /api/settings`). Sections added later (business hours, email) are extra keys. */
export interface SettingsJson {
  readonly widget: { readonly color: string; readonly title: string; readonly position: 'right' | 'left' };
  readonly texts: Readonly<Record<'en' | 'zh-CN', BotTextsJson>>;
  readonly blocked_words: readonly string[];
  readonly blocked_words_mode: 'mask' | 'reject';
  readonly allowed_origins: readonly string[];
  readonly business_hours: BusinessHoursJson;
  readonly email: EmailSettingsJson;
}

/** One opening interval, wall-clock `HH:MM` (a close before the open runs past midnight). */
export interface IntervalJson {
  readonly open: string;
  readonly close: string;
}

/** `business_hours` (server/src/email/hours.ts). */
export interface BusinessHoursJson {
  readonly enabled: boolean;
  readonly timezone: string;
  readonly weekly: Readonly<Record<'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat', readonly IntervalJson[]>>;
  readonly exceptions: readonly { readonly date: string; readonly label: string; readonly hours: readonly IntervalJson[] }[];
}

/** `email` (server/src/email/settings.ts). */
export interface EmailSettingsJson {
  readonly from: string;
  readonly ask_after_ms: number;
  readonly transcript_on_resolve: boolean;
  readonly shop_url: string;
}

/** `GET /api/email/status`. */
export interface EmailStatusJson {
  readonly enabled: boolean;
  readonly from: string;
  readonly hint: string;
}

/** A saved answer. */
export interface CannedJson {
  readonly id: string;
  readonly shortcut: string;
  readonly text: string;
}

/** The API as the admin pages use it; one per signed-in page. */
export class AdminApi {
  constructor(
    /** The server's HTTP origin. */
    readonly base: string,
    /** The session's CSRF token (from `GET /api/me`). */
    private csrf = '',
  ) {}

  /** Sets the CSRF token (after `me()`). */
  setCsrf(csrf: string): void {
    this.csrf = csrf;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch {
      throw new AccountFailure('network', 'The server cannot be reached. Check the connection and try again.');
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new AccountFailure(error?.code ?? String(response.status), error?.message ?? `The server answered ${response.status}.`);
    }
    return parsed as T;
  }

  /** The signed-in account and its CSRF token; undefined when signed out. */
  async me(): Promise<{ account: AccountInfo; csrf: string } | undefined> {
    try {
      const me = await this.call<{ account: AccountInfo | null; csrf_token?: string }>('GET', '/api/me');
      if (!me.account) return undefined;
      this.csrf = me.csrf_token ?? '';
      return { account: me.account, csrf: this.csrf };
    } catch (error) {
      if (error instanceof AccountFailure && error.code === 'unauthenticated') return undefined;
      throw error;
    }
  }

  updateMe(patch: { name?: string; avatar_color?: string; lang?: string }): Promise<AccountInfo> {
    return this.call('PATCH', '/api/me', patch);
  }

  changePassword(current: string, next: string): Promise<void> {
    return this.call('POST', '/api/me/password', { current_password: current, new_password: next });
  }

  async accounts(): Promise<TeamAccount[]> {
    return (await this.call<{ accounts: TeamAccount[] }>('GET', '/api/accounts')).accounts;
  }

  updateAccount(id: string, patch: { role?: string; disabled?: boolean; name?: string }): Promise<TeamAccount> {
    return this.call('PATCH', `/api/accounts/${encodeURIComponent(id)}`, patch);
  }

  async invites(): Promise<InviteJson[]> {
    return (await this.call<{ invites: InviteJson[] }>('GET', '/api/invites')).invites;
  }

  /** Makes an invite; the answer's `url` is the one-time link (shown once), `mail` whether it was also emailed. */
  createInvite(role: string, email: string, extra: Record<string, unknown> = {}): Promise<{ invite: InviteJson; url: string; mail: { sent: boolean; to: string; problem: string } }> {
    return this.call('POST', '/api/invites', { role, ...(email ? { email } : {}), ...extra });
  }

  revokeInvite(id: string): Promise<void> {
    return this.call('DELETE', `/api/invites/${encodeURIComponent(id)}`);
  }

  async sessions(accountId: string): Promise<SessionJson[]> {
    return (await this.call<{ sessions: SessionJson[] }>('GET', `/api/sessions?account_id=${encodeURIComponent(accountId)}`)).sessions;
  }

  revokeSession(id: string): Promise<void> {
    return this.call('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
  }

  /** Ids of the conversations matching `q` (name, email, topic, message text), newest activity first. */
  /** Every stored conversation matching `q` (at most `limit`), newest activity first, with the matching message's excerpt. */
  async searchConversations(q: string, limit = 500): Promise<{ conversations: ConversationJson[]; hasMore: boolean }> {
    const answer = await this.call<{ conversations: ConversationJson[]; has_more?: boolean }>('GET', `/api/conversations?q=${encodeURIComponent(q)}&limit=${limit}`);
    return { conversations: answer.conversations, hasMore: answer.has_more === true };
  }

  settings(): Promise<SettingsJson> {
    return this.call('GET', '/api/settings');
  }

  /** Saves a partial settings change; the answer is the whole document. */
  updateSettings(patch: Record<string, unknown>): Promise<SettingsJson> {
    return this.call('PATCH', '/api/settings', patch);
  }

  /** Whether the server sends email, the sender, and (off) how to turn it on (issue 14). */
  emailStatus(): Promise<EmailStatusJson> {
    return this.call('GET', '/api/email/status');
  }

  /** My own new-conversation alerts (signed-in accounts). */
  async emailAlerts(): Promise<boolean> {
    return (await this.call<{ new_conversation: boolean }>('GET', '/api/email/alerts')).new_conversation;
  }

  async setEmailAlerts(on: boolean): Promise<boolean> {
    return (await this.call<{ new_conversation: boolean }>('PUT', '/api/email/alerts', { new_conversation: on })).new_conversation;
  }

  async canned(): Promise<CannedJson[]> {
    return (await this.call<{ canned_replies: CannedJson[] }>('GET', '/api/canned-replies')).canned_replies;
  }

  createCanned(shortcut: string, text: string): Promise<CannedJson> {
    return this.call('POST', '/api/canned-replies', { shortcut, text });
  }

  updateCanned(id: string, patch: { shortcut?: string; text?: string }): Promise<CannedJson> {
    return this.call('PATCH', `/api/canned-replies/${encodeURIComponent(id)}`, patch);
  }

  removeCanned(id: string): Promise<void> {
    return this.call('DELETE', `/api/canned-replies/${encodeURIComponent(id)}`);
  }
}
