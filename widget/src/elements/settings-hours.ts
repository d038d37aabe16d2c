/**
 * Settings section "Business hours" (issue 14): on/off, the time zone, the
 * intervals of each weekday as text ("09:00-12:00, 13:00-17:00"; a close
 * before the open runs past midnight), and dated exceptions one a line
 * ("2026-12-25 Christmas" closed, "2026-12-24 09:00-12:00 Christmas Eve"
 * special hours). The text is turned into the JSON the server validates;
 * the server's answer (a 400 naming the field) is shown as is.
 */
import { html, type TemplateResult } from 'lit';
import type { BusinessHoursJson, IntervalJson } from './admin-api.js';
import { emailSectionStrings, type EmailSectionStrings } from './settings-email-i18n.js';
import { lines, SettingsSection } from './settings-section.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const RANGE = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/;

/** "09:00-12:00, 13:00-17:00" as intervals; throws the string's message on a bad one. */
export function parseIntervals(text: string, s: EmailSectionStrings): IntervalJson[] {
  return text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = RANGE.exec(part);
      if (!match) throw new Error(s.badInterval(part));
      return { open: match[1]!.padStart(5, '0'), close: match[2]!.padStart(5, '0') };
    });
}

/** Intervals as the text field shows them. */
export function formatIntervals(list: readonly IntervalJson[]): string {
  return list.map((i) => `${i.open}-${i.close}`).join(', ');
}

/** One exception line: `YYYY-MM-DD [HH:MM-HH:MM[, …]] label`. */
export function parseException(line: string, s: EmailSectionStrings): BusinessHoursJson['exceptions'][number] {
  const match = /^(\d{4}-\d{2}-\d{2})\s*((?:\d{1,2}:\d{2}\s*[-–]\s*\d{1,2}:\d{2}\s*[,;]?\s*)*)(.*)$/.exec(line);
  if (!match) throw new Error(s.badException(line));
  return { date: match[1]!, hours: match[2] ? parseIntervals(match[2], s) : [], label: match[3]!.trim() };
}

export class CsSettingsHours extends SettingsSection {
  private get s(): EmailSectionStrings {
    return emailSectionStrings(this.t.lang);
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    let hours: BusinessHoursJson;
    try {
      const weekly = Object.fromEntries(DAYS.map((day) => [day, parseIntervals(String(data.get(day) ?? ""), this.s)])) as unknown as BusinessHoursJson["weekly"];
      hours = {
        enabled: data.get('enabled') === 'on',
        timezone: String(data.get('timezone') ?? '').trim(),
        weekly,
        exceptions: lines(String(data.get('exceptions') ?? '')).map((line) => parseException(line, this.s)),
      };
    } catch (error) {
      this.error = (error as Error).message;
      this.notice = '';
      return;
    }
    void this.save({ business_hours: hours });
  }

  override render(): TemplateResult {
    const t = this.t;
    const s = this.s;
    const hours = this.settings.business_hours;
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    return html`<section class="card" aria-labelledby="s-hours">
      <h2 id="s-hours">${s.hoursSection}</h2>
      <p class="hint">${s.hoursHint}</p>
      ${this.renderStatus()}
      <form @submit=${this.submit}>
        <label style="display:flex;gap:8px;align-items:center"><input type="checkbox" name="enabled" .checked=${hours.enabled} /> ${s.hoursOn}</label>
        <label>${s.timezone} <input name="timezone" list="cs-zones" autocomplete="off" .value=${hours.timezone} /></label>
        <datalist id="cs-zones">${zones.map((zone) => html`<option value=${zone}></option>`)}</datalist>
        <div class="two">
          ${DAYS.map((day) => html`<label>${s.days[day]} <input name=${day} placeholder="09:00-17:00" .value=${formatIntervals(hours.weekly[day])} /></label>`)}
        </div>
        <p class="hint">${s.dayHint}</p>
        <label
          >${s.exceptions}
          <textarea name="exceptions" rows="4" placeholder="2026-12-25 Christmas" .value=${hours.exceptions.map((x) => [x.date, formatIntervals(x.hours), x.label].filter(Boolean).join(' ')).join('\n')}></textarea>
        </label>
        <p class="hint">${s.exceptionsHint}</p>
        <div class="actions"><button type="submit" class="primary" ?disabled=${this.busy}>${t.save}</button></div>
      </form>
    </section>`;
  }
}

if (!customElements.get('cs-settings-hours')) customElements.define('cs-settings-hours', CsSettingsHours);

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-hours': CsSettingsHours;
  }
}
