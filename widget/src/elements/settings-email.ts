/**
 * Settings section "Email" (issue 14): whether the server sends email
 * (`GET /api/email/status`; off, it says why and how to turn it on —
 * CS_SMTP_URL and CS_MAIL_FROM on the server), the sender, when the widget
 * offers the email field, transcripts on resolve, the shop page emails link
 * to, and the signed-in agent's own new-conversation alerts.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { EmailStatusJson } from './admin-api.js';
import { emailSectionStrings, type EmailSectionStrings } from './settings-email-i18n.js';
import { SettingsSection } from './settings-section.js';

export class CsSettingsEmail extends SettingsSection {
  static override properties = { ...SettingsSection.properties, status: { state: true }, alerts: { state: true } };

  declare private status: EmailStatusJson | undefined;
  /** My own alerts; undefined for callers without an account (API token). */
  declare private alerts: boolean | undefined;

  private get s(): EmailSectionStrings {
    return emailSectionStrings(this.t.lang);
  }

  protected override async load(): Promise<void> {
    this.status = await this.api.emailStatus();
    this.alerts = await this.api.emailAlerts().catch(() => undefined);
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const minutes = Number(String(data.get('ask') ?? '2').replace(',', '.'));
    void this.save({
      email: {
        from: String(data.get('from') ?? '').trim(),
        ask_after_ms: Number.isFinite(minutes) ? Math.round(minutes * 60_000) : -1,
        transcript_on_resolve: data.get('transcript') === 'on',
        shop_url: String(data.get('shop') ?? '').trim(),
      },
    }).then(async (ok) => {
      if (ok) this.status = await this.api.emailStatus();
    });
  }

  private toggleAlerts(e: Event): void {
    const on = (e.target as HTMLInputElement).checked;
    void this.run(
      () => this.t.saved,
      async () => {
        this.alerts = await this.api.setEmailAlerts(on);
      },
    );
  }

  override render(): TemplateResult {
    const t = this.t;
    const s = this.s;
    const email = this.settings.email;
    const status = this.status;
    return html`<section class="card" aria-labelledby="s-email">
      <h2 id="s-email">${s.emailSection}</h2>
      ${status
        ? status.enabled
          ? html`<p class="ok" role="status">${s.emailOn(status.from)}</p>`
          : html`<div role="status" style="padding:8px 12px;border-radius:8px;background:#fef3c7;color:#92400e"><p>${s.emailOff}</p><p><code>${status.hint}</code></p></div>`
        : nothing}
      ${this.renderStatus()}
      <form @submit=${this.submit}>
        <div class="two">
          <label>${s.from} <input name="from" type="text" placeholder="Shop <shop@example.com>" .value=${email.from} /></label>
          <label>${s.askAfter} <input name="ask" type="number" min="0" max="1440" step="0.5" .value=${String(email.ask_after_ms / 60_000)} /></label>
          <label>${s.shopUrl} <input name="shop" type="url" placeholder="https://shop.example.com/" .value=${email.shop_url} /></label>
        </div>
        <label style="display:flex;gap:8px;align-items:center"><input type="checkbox" name="transcript" .checked=${email.transcript_on_resolve} /> ${s.transcript}</label>
        <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
      </form>
      ${this.alerts === undefined
        ? nothing
        : html`<label style="display:flex;gap:8px;align-items:center"><input type="checkbox" .checked=${this.alerts} @change=${this.toggleAlerts} /> ${s.myAlerts}</label>
            <p class="hint">${s.myAlertsHint}</p>`}
    </section>`;
  }
}

if (!customElements.get('cs-settings-email')) customElements.define('cs-settings-email', CsSettingsEmail);

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-email': CsSettingsEmail;
  }
}
