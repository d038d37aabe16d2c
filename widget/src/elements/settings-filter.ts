/**
 * Settings section "Blocked words": the words visitors may not send, one a
 * line, and whether they are masked or the message is refused.
 */
import { html, type TemplateResult } from 'lit';
import { lines, SettingsSection } from './settings-section.js';

export class CsSettingsFilter extends SettingsSection {
  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    void this.save({ blocked_words: lines(String(data.get('words') ?? '')), blocked_words_mode: String(data.get('mode') ?? 'mask') });
  }

  override render(): TemplateResult {
    const t = this.t;
    const s = this.settings;
    return html`<section class="card" aria-labelledby="s-filter">
      <h2 id="s-filter">${t.filterSection}</h2>
      <p class="hint">${t.filterHint}</p>
      ${this.renderStatus()}
      <form @submit=${this.submit}>
        <div class="two">
          <label>${t.blockedWords} <textarea name="words" rows="4" placeholder=${t.onePerLine} .value=${s.blocked_words.join('\n')}></textarea></label>
          <label
            >${t.mode}
            <select name="mode">
              <option value="mask" ?selected=${s.blocked_words_mode === 'mask'}>${t.modeMask}</option>
              <option value="reject" ?selected=${s.blocked_words_mode === 'reject'}>${t.modeReject}</option>
            </select>
          </label>
        </div>
        <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
      </form>
    </section>`;
  }
}

if (!customElements.get('cs-settings-filter')) customElements.define('cs-settings-filter', CsSettingsFilter);

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-filter': CsSettingsFilter;
  }
}
