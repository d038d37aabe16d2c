/**
 * A JSON API client for tests: keeps the session cookie and the CSRF token
 * like the workbench does, and sends the server's own Origin on writes the
 * way a browser on the workbench page would. Every answer is returned, never
 * thrown, so tests assert statuses and error bodies.
 */

/** One answer: status, parsed JSON body (the shape the caller expects; undefined when empty) and headers. */
export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** The API's error shape. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly retry_after_ms?: number };
}

/** An account as the API shows it. */
export interface AccountJson {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: string;
  readonly avatar_color: string;
  readonly disabled: boolean;
  readonly online: boolean;
}

export interface RequestOptions {
  /** Override the Origin header ('' sends none). Default: the server's own origin. */
  readonly origin?: string;
  /** Override the CSRF header ('' sends none). Default: the token from the last sign-in or /api/me. */
  readonly csrf?: string;
  /** Extra headers. */
  readonly headers?: Record<string, string>;
  /** Send this raw string as the body instead of JSON. */
  readonly raw?: string;
}

export class ApiClient {
  /** The session cookie value ('' when signed out). */
  cookie = '';
  /** The CSRF token of the session. */
  csrf = '';

  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const origin = options.origin ?? this.baseUrl;
    if (origin && method !== 'GET') headers.Origin = origin;
    if (this.cookie) headers.Cookie = `cs_session=${this.cookie}`;
    const csrfHeader = options.csrf ?? this.csrf;
    if (csrfHeader && method !== 'GET') headers['X-CSRF-Token'] = csrfHeader;
    let payload: string | undefined = options.raw;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    for (const cookie of response.headers.getSetCookie()) {
      const match = /^cs_session=([^;]*)/.exec(cookie);
      if (match) this.cookie = match[1] ?? '';
    }
    const csrf = (parsed as { csrf_token?: unknown } | undefined)?.csrf_token;
    if (typeof csrf === 'string') this.csrf = csrf;
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = Record<string, unknown>>(path: string, options?: RequestOptions): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path, undefined, options);
  }
  post<T = Record<string, unknown>>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiAnswer<T>> {
    return this.request<T>('POST', path, body, options);
  }
  patch<T = Record<string, unknown>>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiAnswer<T>> {
    return this.request<T>('PATCH', path, body, options);
  }
  delete<T = Record<string, unknown>>(path: string, options?: RequestOptions): Promise<ApiAnswer<T>> {
    return this.request<T>('DELETE', path, undefined, options);
  }

  /** Signs in; throws unless it worked. */
  async login(email: string, password: string): Promise<ApiAnswer<{ account: AccountJson; csrf_token: string }>> {
    const answer = await this.post<{ account: AccountJson; csrf_token: string }>('/api/login', { email, password });
    if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  }
}
