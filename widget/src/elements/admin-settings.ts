/**
 * `<cs-admin-settings>`: the settings page (admins; DESIGN.md §9). Each
 * section is its own element in its own file, saves only its own keys
 * (`PATCH /api/settings`) and shows its own errors; the server applies a
 * change at once (no restart). To add a section: write a
 * `settings-<name>.ts` extending {@link SettingsSection} and add its tag to
 * `SECTIONS` below.
 */
import { html, type TemplateResult } from 'lit';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import type { SettingsJson } from './admin-api.js';
import { AdminPageElement } from './admin-page.js';
import './settings-filter.js';
import './settings-origins.js';
import './settings-texts.js';
import './settings-widget.js';
import './settings-hours.js';
import './settings-email.js';

/** The sections, in page order ("Business hours" and "Email": issue 14). */
export const SECTIONS: readonly string[] = ['cs-settings-widget', 'cs-settings-texts', 'cs-settings-hours', 'cs-settings-filter', 'cs-settings-origins', 'cs-settings-email'];

export class CsAdminSettings extends AdminPageElement {
  static override properties = { ...AdminPageElement.properties, settings: { state: true } };

  declare private settings: SettingsJson | undefined;

  protected async load(): Promise<void> {
    this.settings = await this.api.settings();
  }

  override render(): TemplateResult {
    const settings = this.settings;
    if (!settings) return html`${this.renderStatus()}<p class="muted" role="status">${this.error ? '' : this.t.loading}</p>`;
    return html`<div style="display:grid;gap:16px" @cs-settings=${(e: CustomEvent<SettingsJson>) => (this.settings = e.detail)}>
      ${SECTIONS.map((tag) => staticHtml`<${unsafeStatic(tag)} .api=${this.api} .t=${this.t} .settings=${settings}></${unsafeStatic(tag)}>`)}
    </div>`;
  }
}

if (!customElements.get('cs-admin-settings')) customElements.define('cs-admin-settings', CsAdminSettings);

declare global {
  interface HTMLElementTagNameMap {
    'cs-admin-settings': CsAdminSettings;
  }
}
