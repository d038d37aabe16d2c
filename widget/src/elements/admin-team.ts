/**
 * `<cs-admin-team>`: the team page. Everyone sees the members with their
 * role, whether they are enabled and online now; admins also invite
 * (a copyable one-time link, no mail server needed), change roles, disable
 * and enable accounts and sign an account out everywhere. The server's rules
 * decide (admins manage agents, the owner also admins, nobody the owner, no
 * one themselves); the page offers only what they allow and shows any
 * refusal as the server words it.
 *
 * Invites by email: when the server sends email (`GET /api/email/status`),
 * an invite with an address is mailed to it at once (a checkbox, on by
 * default, as Chatwoot and Intercom do when a teammate is added by
 * address) and the page says "Invite sent to …"; the link is shown to copy
 * either way. While email is off the form says so: invites are links.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { InviteJson, TeamAccount } from './admin-api.js';
import { AdminPageElement, avatar } from './admin-page.js';
import type { AccountInfo } from './inbox-account.js';
import { shortTime } from './workbench-i18n.js';

const RANK: Readonly<Record<string, number>> = { agent: 1, admin: 2, owner: 3 };

export class CsAdminTeam extends AdminPageElement {
  static override properties = {
    ...AdminPageElement.properties,
    me: { attribute: false },
    accounts: { state: true },
    invites: { state: true },
    link: { state: true },
    copied: { state: true },
    canEmail: { state: true },
    mailNote: { state: true },
  };

  /** The signed-in account. */
  declare me: AccountInfo;
  declare private accounts: TeamAccount[];
  declare private invites: InviteJson[];
  /** The invite link just made (shown once). */
  declare private link: string;
  declare private copied: boolean;
  /** The server sends email (see above). */
  declare private canEmail: boolean;
  /** What became of mailing the invite just made ('' none asked). */
  declare private mailNote: { ok: boolean; text: string } | undefined;

  constructor() {
    super();
    this.accounts = [];
    this.invites = [];
    this.link = '';
    this.copied = false;
    this.canEmail = false;
    this.mailNote = undefined;
  }

  private get isAdmin(): boolean {
    return (RANK[this.me?.role ?? ''] ?? 0) >= RANK.admin!;
  }

  protected async load(): Promise<void> {
    this.accounts = await this.api.accounts();
    if (this.isAdmin) {
      this.invites = await this.api.invites();
      this.canEmail = await this.api.emailStatus().then(
        (status) => status.enabled,
        () => false,
      );
    }
  }

  /** Whether the signed-in account may change `target` (the server's rule). */
  private canManage(target: TeamAccount): boolean {
    if (target.id === this.me.id || target.role === 'owner') return false;
    return target.role === 'admin' ? this.me.role === 'owner' : this.isAdmin;
  }

  private invite(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const role = String(data.get('role') ?? 'agent');
    const email = String(data.get('email') ?? '').trim();
    const mail = this.canEmail && email !== '' && data.get('send_email') !== null;
    const body = this.canEmail && email ? { send_email: mail } : {};
    this.link = '';
    this.copied = false;
    this.mailNote = undefined;
    void this.run('', async () => {
      const made = await this.api.createInvite(role, email, body);
      this.link = made.url;
      if (mail) this.mailNote = made.mail.sent ? { ok: true, text: this.t.inviteMailed(made.mail.to) } : { ok: false, text: this.t.inviteNotMailed(made.mail.problem) };
      form.reset();
      this.invites = await this.api.invites();
    });
  }

  private async copy(): Promise<void> {
    const input = this.renderRoot.querySelector<HTMLInputElement>('#invite-link');
    input?.select();
    try {
      await navigator.clipboard.writeText(this.link);
    } catch {
      // No clipboard permission (plain http, an old browser): the link is selected for Ctrl-C.
    }
    this.copied = true;
  }

  private revokeInvite(invite: InviteJson): void {
    void this.run('', async () => {
      await this.api.revokeInvite(invite.id);
      this.invites = await this.api.invites();
    });
  }

  private setRole(account: TeamAccount, role: string): void {
    void this.run(
      () => this.t.roleChanged(account.name, this.t.roleName(role)),
      async () => {
        await this.api.updateAccount(account.id, { role });
        this.accounts = await this.api.accounts();
      },
    ).then((ok) => {
      // Refused: the select goes back to the role the account still has.
      if (!ok) this.requestUpdate();
    });
  }

  private setDisabled(account: TeamAccount, disabled: boolean): void {
    if (disabled && !confirm(this.t.confirmDisable(account.name))) return;
    void this.run(
      () => (disabled ? this.t.nowDisabled(account.name) : this.t.nowEnabled(account.name)),
      async () => {
        await this.api.updateAccount(account.id, { disabled });
        this.accounts = await this.api.accounts();
      },
    );
  }

  private signOutEverywhere(account: TeamAccount): void {
    let count = 0;
    void this.run(
      () => this.t.signedOutSessions(count),
      async () => {
        const sessions = await this.api.sessions(account.id);
        for (const session of sessions) await this.api.revokeSession(session.id);
        count = sessions.length;
        this.accounts = await this.api.accounts();
      },
    );
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`<div style="display:grid;gap:16px">
      ${this.renderStatus()}
      ${this.isAdmin ? this.renderInvite() : nothing}
      <section class="card" aria-labelledby="members">
        <h2 id="members">${t.members}</h2>
        <ul class="list" aria-label=${t.members}>
          ${this.accounts.map((a) => this.renderAccount(a))}
        </ul>
      </section>
    </div>`;
  }

  private renderInvite(): TemplateResult {
    const t = this.t;
    const ownerOnly = this.me.role === 'owner';
    return html`<section class="card" aria-labelledby="invite">
      <h2 id="invite">${t.inviteTitle}</h2>
      <p class="hint">${t.inviteHint}</p>
      <form @submit=${this.invite}>
        <div class="two">
          <label
            >${t.role}
            <select name="role">
              <option value="agent">${t.roleName('agent')}</option>
              ${ownerOnly ? html`<option value="admin">${t.roleName('admin')}</option>` : nothing}
            </select>
          </label>
          <label>${t.emailOptional} <input name="email" type="email" autocomplete="off" /></label>
        </div>
        ${this.canEmail
          ? html`<label class="inline"><input type="checkbox" name="send_email" checked /> ${t.alsoEmail}</label>`
          : html`<p class="muted">${t.inviteEmailOff}</p>`}
        <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.createInvite}</button></div>
      </form>
      ${this.mailNote ? html`<p class=${this.mailNote.ok ? 'ok' : 'warn'} role="status">${this.mailNote.text}</p>` : nothing}
      ${this.link
        ? html`<div>
            <label for="invite-link">${t.inviteLink}</label>
            <div class="link-box">
              <input id="invite-link" readonly .value=${this.link} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
              <button type="button" @click=${this.copy}>${this.copied ? t.copied : t.copyLink}</button>
            </div>
            <p class="muted">${t.inviteOnce}</p>
          </div>`
        : nothing}
      <h3 style="font-size:14px">${t.pendingInvites}</h3>
      ${this.invites.length === 0
        ? html`<p class="muted">${t.noInvites}</p>`
        : html`<ul class="list" aria-label=${t.pendingInvites}>
            ${this.invites.map(
              (i) => html`<li>
                <span class="who"><b>${t.inviteFor(t.roleName(i.role), i.email)}</b><span>${t.expires(shortTime(i.expires_at, t.lang))}</span></span>
                <button type="button" class="small danger" ?disabled=${this.busy} @click=${() => this.revokeInvite(i)}>${t.revokeInvite}</button>
              </li>`,
            )}
          </ul>`}
    </section>`;
  }

  private renderAccount(a: TeamAccount): TemplateResult {
    const t = this.t;
    const manage = this.canManage(a);
    return html`<li data-account=${a.email}>
      ${avatar(a.name, a.avatar_color, a.online)}
      <span class="who"><b>${a.name}${a.id === this.me.id ? html` <span class="muted">(${t.you})</span>` : nothing}</b><span>${a.email}</span></span>
      <span class="state">
        ${manage && a.role !== 'owner'
          ? html`<label class="sr-only" for=${`role-${a.id}`}>${t.changeRoleOf(a.name)}</label>
              <select id=${`role-${a.id}`} style="width:auto" ?disabled=${this.busy} @change=${(e: Event) => this.setRole(a, (e.target as HTMLSelectElement).value)}>
                <option value="agent" ?selected=${a.role === 'agent'}>${t.roleName('agent')}</option>
                <option value="admin" ?selected=${a.role === 'admin'} ?disabled=${this.me.role !== 'owner'}>${t.roleName('admin')}</option>
              </select>`
          : html`<span class=${`badge ${a.role}`}>${t.roleName(a.role)}</span>`}
        ${a.disabled ? html`<span class="badge off">${t.disabled}</span>` : html`<span class="badge">${a.online ? t.online : t.offline}</span>`}
      </span>
      ${manage
        ? html`<span class="actions">
            <button type="button" class="small" ?disabled=${this.busy} @click=${() => this.signOutEverywhere(a)}>${t.signOutEverywhere}</button>
            ${a.disabled
              ? html`<button type="button" class="small" ?disabled=${this.busy} @click=${() => this.setDisabled(a, false)}>${t.enable}</button>`
              : html`<button type="button" class="small danger" ?disabled=${this.busy} @click=${() => this.setDisabled(a, true)}>${t.disable}</button>`}
          </span>`
        : nothing}
    </li>`;
  }
}

if (!customElements.get('cs-admin-team')) customElements.define('cs-admin-team', CsAdminTeam);

declare global {
  interface HTMLElementTagNameMap {
    'cs-admin-team': CsAdminTeam;
  }
}
