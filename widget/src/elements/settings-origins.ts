/**
 * Settings section "Allowed sites": the page origins allowed to open the
 * widget's WebSocket, one a line (`https://shop.example.com`); empty allows
 * every site. The server refuses anything that is not a bare origin and
 * keeps the old list.
 */
import { html, type TemplateResult } from 'lit';
import { lines, SettingsSection } from './settings-section.js';

export class CsSettingsOrigins extends SettingsSection {
  private submit(e: SubmitEvent): void {
    e.preventDefault();
    void this.save({ allowed_origins: lines(String(new FormData(e.target as HTMLFormElement).get('origins') ?? '')) });
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`<section class="card" aria-labelledby="s-origins">
      <h2 id="s-origins">${t.originsSection}</h2>
      <p class="hint">${t.originsHint}</p>
      ${this.renderStatus()}
      <form @submit=${this.submit}>
        <label>${t.allowedOrigins} <textarea name="origins" rows="3" placeholder="https://shop.example.com" .value=${this.settings.allowed_origins.join('\n')}></textarea></label>
        <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
      </form>
    </section>`;
  }
}

if (!customElements.get('cs-settings-origins')) customElements.define('cs-settings-origins', CsSettingsOrigins);

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-origins': CsSettingsOrigins;
  }
}
