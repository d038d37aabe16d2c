/**
 * `<cs-admin-profile>`: the signed-in person's own profile: display name,
 * avatar colour, workbench language; password change (the current one is
 * asked for; the server signs the other sessions out); and the list of
 * their sessions, each of which they can sign out (this browser's signs
 * out here too).
 *
 * @fires cs-profile - The account after a saved change (`detail`), so the shell follows the new name and language.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { SessionJson } from './admin-api.js';
import { AdminPageElement, avatar } from './admin-page.js';
import type { AccountInfo } from './inbox-account.js';
import { shortTime } from './workbench-i18n.js';

/** Colours offered next to the free colour picker (the server's defaults). */
const SWATCHES = ['#2563eb', '#7c3aed', '#db2777', '#ea580c', '#16a34a', '#0891b2', '#4f46e5', '#b45309'];

/** A short device name from a user agent ("Chrome on Linux"). */
export function deviceOf(userAgent: string): string {
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : '';
  const os = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Mac OS X/.test(userAgent) ? 'macOS' : /Windows/.test(userAgent) ? 'Windows' : /Linux/.test(userAgent) ? 'Linux' : '';
  return [browser, os].filter(Boolean).join(' · ') || userAgent.slice(0, 40) || '—';
}

export class CsAdminProfile extends AdminPageElement {
  static override properties = {
    ...AdminPageElement.properties,
    me: { attribute: false },
    color: { state: true },
    sessions: { state: true },
  };

  /** The signed-in account. */
  declare me: AccountInfo;
  /** The colour being picked (previewed on the avatar). */
  declare private color: string;
  declare private sessions: SessionJson[];

  constructor() {
    super();
    this.color = '';
    this.sessions = [];
  }

  protected async load(): Promise<void> {
    this.color = this.me.avatar_color;
    this.sessions = await this.api.sessions(this.me.id);
  }

  private saveProfile(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const patch = { name: String(data.get('name') ?? ''), avatar_color: this.color, lang: String(data.get('lang') ?? '') };
    void this.run(
      () => this.t.saved,
      async () => {
        this.me = await this.api.updateMe(patch);
        this.dispatchEvent(new CustomEvent<AccountInfo>('cs-profile', { detail: this.me, bubbles: true, composed: true }));
      },
    );
  }

  private changePassword(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const [current, next, again] = ['current', 'next', 'again'].map((k) => String(data.get(k) ?? ''));
    if (next !== again) {
      this.notice = '';
      this.error = this.t.passwordsDiffer;
      return;
    }
    void this.run(
      () => this.t.passwordChanged,
      async () => {
        await this.api.changePassword(current ?? '', next ?? '');
        form.reset();
        this.sessions = await this.api.sessions(this.me.id);
      },
    );
  }

  private revoke(session: SessionJson): void {
    void this.run(
      () => this.t.sessionRevoked,
      async () => {
        await this.api.revokeSession(session.id);
        if (session.current) location.assign('/agent');
        else this.sessions = await this.api.sessions(this.me.id);
      },
    );
  }

  override render(): TemplateResult {
    const t = this.t;
    const me = this.me;
    return html`<div style="display:grid;gap:16px">
      ${this.renderStatus()}
      <section class="card" aria-labelledby="profile">
        <div class="row">${avatar(me.name, this.color || me.avatar_color)}<h2 id="profile">${me.name}</h2><span class=${`badge ${me.role}`}>${t.roleName(me.role)}</span></div>
        <p class="muted">${me.email}</p>
        <form @submit=${this.saveProfile}>
          <div class="two">
            <label>${t.name} <input name="name" required maxlength="80" autocomplete="name" .value=${me.name} /></label>
            <label
              >${t.workbenchLanguage}
              <select name="lang">
                <option value="" ?selected=${me.lang === ''}>${t.browserLanguage}</option>
                <option value="en" ?selected=${me.lang === 'en'}>English</option>
                <option value="zh-CN" ?selected=${me.lang === 'zh-CN'}>简体中文</option>
              </select>
            </label>
          </div>
          <fieldset style="border:0;padding:0;margin:0;display:grid;gap:6px">
            <legend style="font-weight:600;font-size:13px;padding:0;margin-bottom:4px">${t.avatarColour}</legend>
            <div class="row">
              ${SWATCHES.map(
                (c) => html`<button
                  type="button"
                  class="small"
                  style=${`background:${c};border-color:${c === this.color ? '#111827' : c};width:30px;height:30px;padding:0;border-radius:50%;border-width:2px`}
                  aria-label=${c}
                  aria-pressed=${String(c === this.color)}
                  @click=${() => (this.color = c)}
                ></button>`,
              )}
              <input type="color" aria-label=${t.avatarColour} .value=${this.color || '#4f46e5'} @input=${(e: Event) => (this.color = (e.target as HTMLInputElement).value)} />
            </div>
          </fieldset>
          <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
        </form>
      </section>
      <section class="card" aria-labelledby="password">
        <h2 id="password">${t.changePassword}</h2>
        <form @submit=${this.changePassword}>
          <input type="text" name="username" autocomplete="username" .value=${me.email} hidden />
          <label>${t.currentPassword} <input name="current" type="password" required autocomplete="current-password" /></label>
          <div class="two">
            <label>${t.newPassword} <input name="next" type="password" required minlength="10" autocomplete="new-password" /></label>
            <label>${t.repeatPassword} <input name="again" type="password" required autocomplete="new-password" /></label>
          </div>
          <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.changePassword}</button></div>
        </form>
      </section>
      <section class="card" aria-labelledby="sessions">
        <h2 id="sessions">${t.yourSessions}</h2>
        <ul class="list" aria-label=${t.yourSessions}>
          ${this.sessions.map(
            (s) => html`<li>
              <span class="who"
                ><b>${deviceOf(s.user_agent)} ${s.current ? html`<span class="badge">${t.thisBrowser}</span>` : nothing}</b
                ><span>${s.ip || '—'} · ${t.lastSeen(shortTime(s.last_seen_at, t.lang))}</span></span
              >
              <button type="button" class="small" ?disabled=${this.busy} @click=${() => this.revoke(s)}>${t.signOutSession}</button>
            </li>`,
          )}
        </ul>
      </section>
    </div>`;
  }
}

if (!customElements.get('cs-admin-profile')) customElements.define('cs-admin-profile', CsAdminProfile);

declare global {
  interface HTMLElementTagNameMap {
    'cs-admin-profile': CsAdminProfile;
  }
}
