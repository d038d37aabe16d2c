/**
 * `<cs-admin-settings>`: the settings page (admins; DESIGN.md §9). Each
 * section is its own element in its own file, saves only its own keys
 * (`PATCH /api/settings`) and shows its own errors; the server applies a
 * change at once (no restart). To add a section: write a
 * `settings-<name>.ts` extending {@link SettingsSection} and add its tag to
 * `SECTIONS` below.
 */
import { css, html, type TemplateResult } from 'lit';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import type { SettingsJson } from './admin-api.js';
import { AdminPageElement } from './admin-page.js';
import { adminStyles } from './admin-styles.js';
import { emailSectionStrings } from './settings-email-i18n.js';
import type { WorkbenchStrings } from './workbench-i18n.js';
import './settings-filter.js';
import './settings-origins.js';
import './settings-texts.js';
import './settings-widget.js';
import './settings-hours.js';
import './settings-email.js';

/** The sections, in page order ("Business hours" and "Email": issue 14). */
export const SECTIONS: readonly string[] = ['cs-settings-widget', 'cs-settings-texts', 'cs-settings-hours', 'cs-settings-filter', 'cs-settings-origins', 'cs-settings-email'];

/** Each section's heading, for the phone's section picker. */
function sectionTitle(tag: string, t: WorkbenchStrings): string {
  const e = emailSectionStrings(t.lang);
  const titles: Record<string, string> = {
    'cs-settings-widget': t.widgetSection,
    'cs-settings-texts': t.textsSection,
    'cs-settings-hours': e.hoursSection,
    'cs-settings-filter': t.filterSection,
    'cs-settings-origins': t.originsSection,
    'cs-settings-email': e.emailSection,
  };
  return titles[tag] ?? tag;
}

/**
 * The page is six sections long: on a phone (≤ 760 px) a sticky picker
 * under the bar jumps to one, instead of a long scroll past the others.
 */
const jumpStyles = css`
  .jump { display: none; }
  @media (max-width: 760px) {
    .jump { display: grid; position: sticky; top: 46px; z-index: 1; padding: 6px 0; background: #f6f7fb; }
    .sections > * { scroll-margin-top: 112px; }
  }
`;

export class CsAdminSettings extends AdminPageElement {
  static override styles = [adminStyles, jumpStyles];
  static override properties = { ...AdminPageElement.properties, settings: { state: true } };

  /** Scrolls the section `tag` to the top, under the bar and the picker. */
  private jump(tag: string): void {
    this.renderRoot.querySelector<HTMLElement>(tag)?.scrollIntoView({ block: 'start' });
  }

  declare private settings: SettingsJson | undefined;

  protected async load(): Promise<void> {
    this.settings = await this.api.settings();
  }

  override render(): TemplateResult {
    const settings = this.settings;
    if (!settings) return html`${this.renderStatus()}<p class="muted" role="status">${this.error ? '' : this.t.loading}</p>`;
    return html`<div class="sections" style="display:grid;gap:16px" @cs-settings=${(e: CustomEvent<SettingsJson>) => (this.settings = e.detail)}>
      <label class="jump"
        >${this.t.jumpToSection}
        <select @change=${(e: Event) => this.jump((e.target as HTMLSelectElement).value)}>
          ${SECTIONS.map((tag) => html`<option value=${tag}>${sectionTitle(tag, this.t)}</option>`)}
        </select>
      </label>
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
