/**
 * What every admin page shares: the API client and strings it is given,
 * and one way to run a call — busy while it runs, the server's refusal
 * shown as it is (role, validation), a confirmation when it worked.
 */
import { LitElement, html, nothing, type CSSResultGroup, type TemplateResult } from 'lit';
import type { AdminApi } from './admin-api.js';
import { adminStyles } from './admin-styles.js';
import { initials, textOn } from './initials.js';
import { workbenchStrings, type WorkbenchStrings } from './workbench-i18n.js';

export abstract class AdminPageElement extends LitElement {
  static override styles: CSSResultGroup = adminStyles;

  static override properties = {
    api: { attribute: false },
    t: { attribute: false },
    busy: { state: true },
    error: { state: true },
    notice: { state: true },
  };

  /** The API client (set by `<cs-admin>`). */
  declare api: AdminApi;
  /** The strings in the agent's language. */
  declare t: WorkbenchStrings;
  declare protected busy: boolean;
  /** The last refusal ('' for none). */
  declare protected error: string;
  /** The last confirmation ('' for none). */
  declare protected notice: string;

  constructor() {
    super();
    this.t = workbenchStrings('en');
    this.busy = false;
    this.error = '';
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run('', () => this.load());
  }

  /** Reads what the page shows. */
  protected abstract load(): Promise<void>;

  /** Runs `work`; shows `done` after it, or the error it threw. True when it worked. */
  protected async run(done: string | (() => string), work: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.error = '';
    this.notice = '';
    try {
      await work();
      this.notice = typeof done === 'function' ? done() : done;
      return true;
    } catch (error) {
      this.error = (error as Error).message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** The error or confirmation line. */
  protected renderStatus(): TemplateResult | typeof nothing {
    if (this.error) return html`<p class="error" role="alert">${this.error}</p>`;
    if (this.notice) return html`<p class="ok" role="status">${this.notice}</p>`;
    return nothing;
  }
}

/** The avatar: initials (initials.ts) on the account's colour, with the online dot when `online` is given. */
export function avatar(name: string, color: string, online?: boolean): TemplateResult {
  const background = /^#[0-9a-f]{6}$/i.test(color) ? color : '#6b7280';
  return html`<span class="avatar" style=${`background:${background};color:${textOn(background)}`} aria-hidden="true"
    >${initials(name)}${online === undefined ? nothing : html`<i class=${online ? 'dot on' : 'dot'}></i>`}</span
  >`;
}
