/**
 * `<cs-admin>`: the workbench's admin pages (issue 12, DESIGN.md §2, §9):
 * the team (accounts, invites, roles, disable, sign-outs), settings, canned
 * replies, and everyone's own profile. One page per path, each its own
 * element in its own file:
 *
 * | path | element | who |
 * |---|---|---|
 * | `/agent/team` | `<cs-admin-team>` (admin-team.ts) | everyone sees it; admins manage |
 * | `/agent/settings` | `<cs-admin-settings>` (admin-settings.ts) | admins |
 * | `/agent/canned-replies` | `<cs-admin-canned>` (admin-canned.ts) | everyone sees them; admins edit |
 * | `/agent/profile` | `<cs-admin-profile>` (admin-profile.ts) | everyone |
 *
 * Signed in by the session cookie (the inbox's sign-in); signed out, it
 * links to the sign-in. Everything goes through the JSON API, so the
 * server's rules (roles, validation) are the ones the pages show.
 *
 * @csspart nav - The page navigation.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { AdminApi } from './admin-api.js';
import './admin-canned.js';
import './admin-profile.js';
import './admin-settings.js';
import './admin-team.js';
import { adminShellStyles, adminStyles } from './admin-styles.js';
import type { AccountInfo } from './inbox-account.js';
import { workbenchLang, workbenchStrings, type WorkbenchStrings } from './workbench-i18n.js';

/** The admin pages, by path. */
export const AdminPage = { Team: 'team', Settings: 'settings', Canned: 'canned-replies', Profile: 'profile' } as const;
export type AdminPage = (typeof AdminPage)[keyof typeof AdminPage];

const PAGES: readonly AdminPage[] = [AdminPage.Team, AdminPage.Settings, AdminPage.Canned, AdminPage.Profile];

/** The page a path shows (`/agent/<page>`); the profile for anything else. */
export function adminPageOf(path: string): AdminPage {
  const name = path.replace(/^\/agent\//, '').replace(/\/$/, '');
  return (PAGES as readonly string[]).includes(name) ? (name as AdminPage) : AdminPage.Profile;
}

export class CsAdmin extends LitElement {
  static override styles = [adminStyles, adminShellStyles];

  static override properties = {
    page: { type: String },
    me: { state: true },
    phase: { state: true },
    error: { state: true },
  };

  /** The page shown. Default: from the address bar. */
  declare page: AdminPage;
  declare private me: AccountInfo | undefined;
  declare private phase: 'loading' | 'signed-out' | 'ready';
  declare private error: string;
  private readonly api = new AdminApi(location.origin);

  constructor() {
    super();
    this.page = adminPageOf(location.pathname);
    this.me = undefined;
    this.phase = 'loading';
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const me = await this.api.me();
      this.me = me?.account;
      this.phase = me ? 'ready' : 'signed-out';
    } catch (error) {
      this.error = (error as Error).message;
      this.phase = 'signed-out';
    }
  }

  /** The strings in the agent's language (their setting, else the browser's). */
  private get t(): WorkbenchStrings {
    return workbenchStrings(workbenchLang(this.me?.lang ?? ''));
  }

  /** A page changed the profile (name, colour, language): the shell follows. */
  private onProfile(e: CustomEvent<AccountInfo>): void {
    this.me = e.detail;
  }

  override render(): TemplateResult {
    const t = this.t;
    document.documentElement.lang = t.lang;
    if (this.phase === 'loading') return html`<p class="center" role="status">${t.loading}</p>`;
    const me = this.me;
    if (this.phase === 'signed-out' || !me) {
      return html`<div class="center">
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <p>${t.signInFirst}</p>
        <a href="/agent">${t.goSignIn}</a>
      </div>`;
    }
    const admin = me.role === 'owner' || me.role === 'admin';
    const label: Record<AdminPage, string> = { team: t.team, settings: t.settings, 'canned-replies': t.cannedReplies, profile: t.profile };
    const pages = PAGES.filter((p) => admin || p !== AdminPage.Settings);
    return html`
      <header class="bar">
        <a class="back" href="/agent">← ${t.inbox}</a>
        <h1>${label[this.page]}</h1>
        <span class="spacer"></span>
        ${admin ? html`<a class="back" href="/agent/announcements">${t.announcements}</a>` : nothing}
      </header>
      <div class="layout">
        <nav part="nav" aria-label=${t.adminNav}>
          <ul>
            ${pages.map((p) => html`<li><a href=${`/agent/${p}`} aria-current=${p === this.page ? 'page' : 'false'}>${label[p]}</a></li>`)}
          </ul>
        </nav>
        <main>${this.renderPage(me, t, admin)}</main>
      </div>
    `;
  }

  private renderPage(me: AccountInfo, t: WorkbenchStrings, admin: boolean): TemplateResult {
    switch (this.page) {
      case AdminPage.Team:
        return html`<cs-admin-team .api=${this.api} .me=${me} .t=${t}></cs-admin-team>`;
      case AdminPage.Settings:
        return admin ? html`<cs-admin-settings .api=${this.api} .t=${t}></cs-admin-settings>` : html`<p class="card">${t.adminsOnly}</p>`;
      case AdminPage.Canned:
        return html`<cs-admin-canned .api=${this.api} .t=${t} ?editable=${admin}></cs-admin-canned>`;
      case AdminPage.Profile:
        return html`<cs-admin-profile .api=${this.api} .me=${me} .t=${t} @cs-profile=${this.onProfile}></cs-admin-profile>`;
    }
  }
}

if (!customElements.get('cs-admin')) customElements.define('cs-admin', CsAdmin);

declare global {
  interface HTMLElementTagNameMap {
    'cs-admin': CsAdmin;
  }
}
