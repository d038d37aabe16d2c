/**
 * Who the session is to the server: the visitor token (kept in IndexedDB),
 * the device id, the identity a merchant's page signed (`identify()`), and
 * what to do when the server refuses them. A refused identity settles the
 * pending `identify()` with an IdentityError and goes on anonymous; a
 * refused visitor token (the secret was rotated out) starts over as a new
 * visitor, once per Welcome. Part of `ChatSession` (session.ts).
 */
import { cs } from '../../../proto/gen/chat.js';
import { newId } from '../core/index.js';
import { IdentityError, type IdentityInput } from '../core/types.js';
import type { ChatStore } from '../store/index.js';
import { ignore } from './conversations.js';

/** The Hello fields this part fills. */
export type CredentialFields = Pick<cs.v1.Hello.$Properties, 'token' | 'deviceId' | 'identity'>;

export class Credentials {
  private token = '';
  private deviceId = '';
  private identity: IdentityInput | undefined;
  private retriedToken = false;
  /** The pending `identify()`: settled by the next Welcome or refusal. */
  private identifying: { resolve: () => void; reject: (error: IdentityError) => void } | undefined;

  /**
   * @param visitor visitors carry a token the server minted; agents the service token of their options.
   * @param agentToken the agent's token (agents only).
   */
  constructor(
    private readonly visitor: boolean,
    private readonly agentToken: string,
    identity: IdentityInput | undefined,
  ) {
    this.identity = identity;
  }

  /** Reads the token and the device id from the store (a new device id the first time). */
  async load(store: ChatStore): Promise<void> {
    if (this.visitor) this.token = (await store.getMeta('token')) ?? '';
    this.deviceId = (await store.getMeta('device')) ?? '';
    if (!this.deviceId) await store.setMeta('device', (this.deviceId = newId()));
  }

  /** The Hello's token, device (this device's id, then this tab's) and identity. */
  hello(tabId: string): CredentialFields {
    return {
      token: this.visitor ? this.token : this.agentToken,
      deviceId: `${this.deviceId}.${tabId}`,
      identity: this.visitor && this.identity ? { ...this.identity } : null,
    };
  }

  /** The server accepted them: keep a new token, settle `identify()`. */
  welcomed(welcome: cs.v1.Welcome, store: ChatStore | undefined): void {
    this.retriedToken = false;
    if (this.visitor && welcome.token && welcome.token !== this.token) {
      this.token = welcome.token;
      void store?.setMeta('token', welcome.token).catch(ignore);
    }
    this.identifying?.resolve();
    this.identifying = undefined;
  }

  /**
   * Connects as the identified user from the next Hello; the promise settles
   * on the Welcome (resolved) or the refusal (IdentityError). An earlier
   * pending one is superseded.
   */
  identify(identity: IdentityInput): Promise<void> {
    this.identifying?.reject(new IdentityError('superseded'));
    const accepted = new Promise<void>((resolve, reject) => (this.identifying = { resolve, reject }));
    this.identity = identity;
    return accepted;
  }

  /**
   * An UNAUTHENTICATED error: forget what was refused.
   * @returns true when the session should reconnect at once (anonymous, or as a new visitor).
   */
  refused(error: cs.v1.Error, store: ChatStore | undefined): boolean {
    if (error.code !== cs.v1.ErrorCode.UNAUTHENTICATED) return false;
    // A Hello with an identity is judged by it first: refused means the signature, not the token. Go on anonymous.
    if (this.identity) {
      this.identity = undefined;
      this.identifying?.reject(new IdentityError(error.message));
      this.identifying = undefined;
      return true;
    }
    if (!this.visitor || !this.token || this.retriedToken) return false;
    this.retriedToken = true;
    this.token = '';
    void store?.setMeta('token', '').catch(ignore);
    return true;
  }

  /** Log-out: no token, no identity, a new device id. */
  async reset(store: ChatStore): Promise<void> {
    this.token = '';
    this.identity = undefined;
    await store.setMeta('device', (this.deviceId = newId()));
  }
}
