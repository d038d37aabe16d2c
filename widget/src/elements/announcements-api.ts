/**
 * The workbench's client for `/api/announcements` (DESIGN.md §12): JSON in
 * and out, the session cookie (same origin) plus its CSRF token for writes
 * when signed in, or an admin bearer token (CS_API_TOKEN) pasted by hand.
 * Errors come back as {@link ApiFailure} with the server's code and message.
 */

/** An announcement as the API answers it (snake_case, times in ms). */
export interface AnnouncementJson {
  readonly id: string;
  readonly site: string;
  readonly state: 'draft' | 'prerelease' | 'published' | 'stopped' | 'recalled';
  readonly seq: number;
  readonly title: string;
  readonly body: string;
  readonly link_url: string;
  readonly link_label: string;
  readonly expires_at: number;
  readonly starts_at: number;
  readonly audience: 'all' | 'identified' | 'anonymous';
  readonly url_pattern: string;
  readonly lang: string;
  readonly min_core_level: number;
  readonly fallback_text: string;
  readonly published_at: number;
  readonly updated_at: number;
  readonly stats: { delivered: number; seen: number; clicked: number; dismissed: number; replied: number };
  readonly whitelist: { visitor_ids: string[]; user_ids: string[] };
}

/** What the form sends (create and edit). */
export type AnnouncementInput = Partial<Omit<AnnouncementJson, 'id' | 'state' | 'seq' | 'stats' | 'whitelist' | 'published_at' | 'updated_at'>>;

/** A refused request: the API's error code and message, and the HTTP status. */
export class ApiFailure extends Error {
  readonly type = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the announcements API. */
export class AnnouncementsApi {
  private csrf: string | undefined;

  /** `token`: an admin bearer token, or '' to use the session cookie. */
  constructor(
    private readonly base: string,
    private token: string,
  ) {}

  setToken(token: string): void {
    this.token = token;
  }

  list(): Promise<AnnouncementJson[]> {
    return this.call<{ announcements: AnnouncementJson[] }>('GET', '/api/announcements').then((r) => r.announcements);
  }

  create(input: AnnouncementInput): Promise<AnnouncementJson> {
    return this.call('POST', '/api/announcements', input);
  }

  update(id: string, input: AnnouncementInput): Promise<AnnouncementJson> {
    return this.call('PATCH', `/api/announcements/${encodeURIComponent(id)}`, input);
  }

  setWhitelist(id: string, visitorIds: string[], userIds: string[]): Promise<unknown> {
    return this.call('PUT', `/api/announcements/${encodeURIComponent(id)}/whitelist`, { visitor_ids: visitorIds, user_ids: userIds });
  }

  move(id: string, move: 'prerelease' | 'publish' | 'stop' | 'recall'): Promise<AnnouncementJson> {
    return this.call('POST', `/api/announcements/${encodeURIComponent(id)}/${move}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    else if (method !== 'GET') headers['X-CSRF-Token'] = await this.csrfToken();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, this.base), { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!res.ok) throw new ApiFailure(res.status, json.error?.code ?? 'error', json.error?.message ?? `HTTP ${res.status}`);
    return json as T;
  }

  /** The signed-in session's CSRF token (from /api/me), fetched once. */
  private async csrfToken(): Promise<string> {
    if (this.csrf !== undefined) return this.csrf;
    const res = await fetch(new URL('/api/me', this.base), { credentials: 'same-origin' });
    const me = (await res.json().catch(() => ({}))) as { csrf_token?: string };
    return (this.csrf = me.csrf_token ?? '');
  }
}
