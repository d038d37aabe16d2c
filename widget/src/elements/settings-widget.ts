/**
 * Settings section "Chat widget": brand colour, header title and position,
 * with a live preview of the launcher and the panel's header in the colour
 * being picked (before it is saved). Empty colour or title: the widget's own.
 */
import { html, type TemplateResult } from 'lit';
import { SettingsSection } from './settings-section.js';

const HEX = /^#[0-9a-f]{6}$/i;
/** The widget's own colour (embed-config.ts). */
const DEFAULT_COLOR = '#4f46e5';

export class CsSettingsWidget extends SettingsSection {
  static override properties = { ...SettingsSection.properties, color: { state: true }, header: { state: true } };

  /** The colour as typed ('' = the widget's own). */
  declare private color: string;
  declare private header: string;

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('settings') && this.settings) {
      this.color = this.settings.widget.color;
      this.header = this.settings.widget.title;
    }
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const color = this.color.trim();
    if (color && !HEX.test(color)) {
      this.notice = '';
      this.error = this.t.badColour;
      return;
    }
    const position = String(new FormData(e.target as HTMLFormElement).get('position') ?? 'right');
    void this.save({ widget: { color: color.toLowerCase(), title: this.header.trim(), position } });
  }

  override render(): TemplateResult {
    const t = this.t;
    const w = this.settings.widget;
    const shown = HEX.test(this.color) ? this.color : w.color || DEFAULT_COLOR;
    const greeting = this.settings.texts[t.lang].greeting;
    return html`<section class="card" aria-labelledby="s-widget">
      <h2 id="s-widget">${t.widgetSection}</h2>
      <p class="hint">${t.widgetHint}</p>
      ${this.renderStatus()}
      <div class="two" style="align-items:start">
        <form @submit=${this.submit}>
          <label for="color-hex">${t.colour}</label>
          <div class="row">
            <input type="color" aria-label=${t.colour} .value=${shown} @input=${(e: Event) => (this.color = (e.target as HTMLInputElement).value)} />
            <input id="color-hex" aria-label=${t.colourHex} placeholder=${DEFAULT_COLOR} .value=${this.color} @input=${(e: Event) => (this.color = (e.target as HTMLInputElement).value)} />
          </div>
          <label>${t.title} <input maxlength="60" placeholder=${t.titleHint} .value=${this.header} @input=${(e: Event) => (this.header = (e.target as HTMLInputElement).value)} /></label>
          <label
            >${t.position}
            <select name="position">
              <option value="right" ?selected=${w.position === 'right'}>${t.right}</option>
              <option value="left" ?selected=${w.position === 'left'}>${t.left}</option>
            </select>
          </label>
          <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
        </form>
        <figure style="margin:0;display:grid;gap:8px" aria-label=${t.preview}>
          <figcaption class="muted">${t.preview}</figcaption>
          <div class="preview" style="border:1px solid #e5e7eb;border-radius:14px;overflow:hidden;background:#f9fafb">
            <div data-preview="header" style=${`background:${shown};color:#fff;padding:10px 14px;font-weight:700`}>${this.header.trim() || 'Support'}</div>
            <p style="margin:12px;padding:8px 12px;background:#fff;border:1px solid #e5e7eb;border-radius:12px;font-size:13px">${greeting}</p>
            <div style="display:flex;justify-content:flex-end;padding:0 12px 12px">
              <span data-preview="launcher" style=${`display:grid;place-items:center;width:48px;height:48px;border-radius:50%;background:${shown};color:#fff;box-shadow:0 4px 12px #0003`} aria-hidden="true"
                ><svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" /></svg
              ></span>
            </div>
          </div>
        </figure>
      </div>
    </section>`;
  }
}

if (!customElements.get('cs-settings-widget')) customElements.define('cs-settings-widget', CsSettingsWidget);

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-widget': CsSettingsWidget;
  }
}
