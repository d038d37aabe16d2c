/**
 * Settings section "Automatic messages": the greeting and the offline reply
 * in each language the bot speaks (en, zh-CN). Both are required; the
 * server refuses empty or over-long texts and keeps the old ones.
 */
import { html, type TemplateResult } from 'lit';
import { SettingsSection } from './settings-section.js';

const LANGS = ['en', 'zh-CN'] as const;

export class CsSettingsTexts extends SettingsSection {
  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const texts: Record<string, { greeting: string; offline: string }> = {};
    for (const lang of LANGS) texts[lang] = { greeting: String(data.get(`${lang}-greeting`) ?? ''), offline: String(data.get(`${lang}-offline`) ?? '') };
    void this.save({ texts });
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`<section class="card" aria-labelledby="s-texts">
      <h2 id="s-texts">${t.textsSection}</h2>
      <p class="hint">${t.textsHint}</p>
      ${this.renderStatus()}
      <form @submit=${this.submit}>
        <div class="two">
          ${LANGS.map(
            (lang) => html`<fieldset lang=${lang} style="border:1px solid #e5e7eb;border-radius:10px;padding:8px 12px 12px;margin:0;display:grid;gap:10px;min-width:0">
              <legend lang=${t.lang} style="font-weight:700;padding:0 4px">${lang === 'en' ? t.english : t.chinese}</legend>
              <label lang=${t.lang}>${t.greeting} <textarea lang=${lang} name=${`${lang}-greeting`} rows="3" maxlength="1000" .value=${this.settings.texts[lang].greeting}></textarea></label>
              <label lang=${t.lang}>${t.offlineText} <textarea lang=${lang} name=${`${lang}-offline`} rows="3" maxlength="1000" .value=${this.settings.texts[lang].offline}></textarea></label>
            </fieldset>`,
          )}
        </div>
        <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
      </form>
    </section>`;
  }
}

if (!customElements.get('cs-settings-texts')) customElements.define('cs-settings-texts', CsSettingsTexts);

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-texts': CsSettingsTexts;
  }
}
