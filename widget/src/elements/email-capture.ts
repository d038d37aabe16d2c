/**
 * The "Get the reply by email" field (DESIGN.md §10, issue 14), inline at the
 * end of the conversation in the lazy panel chunk. Optional and skippable;
 * offered only when it can be kept:
 * - the server sends email (`askEmailAfterMs > 0`; without SMTP nothing is
 *   offered and nothing promised),
 * - the visitor has written (never a wall before the first message),
 * - no email is known (none left yet, and the site did not identify the
 *   visitor with one: the server then reports it as the conversation's
 *   `contactEmail`),
 * - not skipped (remembered per conversation in localStorage),
 * - and nobody can answer now (away), or no agent replied within
 *   `askEmailAfterMs` of the visitor's latest message (a timer re-renders
 *   when that time comes).
 * Once stored, it becomes one line: "We will email the reply to …".
 */
import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { ChatController } from './chat-controller.js';
import { RoleCode } from './message-text.js';
import type { Strings } from './i18n.js';

const SKIP_KEY = 'cs-chat:email-skipped:';

/** Same shape the server accepts (email/contacts.ts), so most mistakes are caught before a round trip. */
const EMAIL = /^[^\s@<>,;"]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export class EmailCapture {
  private skipped = new Set<string>();
  private error = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private strings: Strings | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly chat: ChatController,
  ) {}

  /** The field, the confirmation line, or nothing. */
  render(s: Strings): TemplateResult | typeof nothing {
    clearTimeout(this.timer);
    this.strings = s;
    const chat = this.chat;
    const id = chat.conversationId;
    const known = chat.contactEmail;
    if (chat.askEmailAfterMs <= 0 || !id) return nothing;
    if (known) return html`<p class="email-saved" role="status">${s.emailSaved(known)}</p>`;
    if (this.isSkipped(id)) return nothing;
    const items = chat.view.items;
    let lastOwn = -1;
    items.forEach((item, i) => {
      if (item.own) lastOwn = i;
    });
    if (lastOwn < 0) return nothing;
    const answered = items.slice(lastOwn + 1).some((item) => item.senderRole === RoleCode.Agent);
    const waitMs = items[lastOwn]!.timeMs + chat.askEmailAfterMs - Date.now();
    const away = chat.agentsOnline === 0;
    if (!away && (answered || waitMs > 0)) {
      if (!answered) this.timer = setTimeout(() => this.host.requestUpdate(), waitMs + 50);
      return nothing;
    }
    const error = this.error || chat.contactError;
    return html`<form class="email-ask" part="email" @submit=${this.onSubmit} novalidate>
      <label for="cs-email">${s.emailAsk}</label>
      <div class="email-row">
        <input id="cs-email" name="email" type="email" autocomplete="email" inputmode="email" placeholder="you@example.com" aria-describedby="cs-email-hint" aria-invalid=${error ? 'true' : 'false'} />
        <button class="email-save" type="submit">${s.emailSave}</button>
      </div>
      <p id="cs-email-hint" class=${error ? 'email-error' : 'email-hint'} role=${error ? 'alert' : nothing}>${error || s.emailHint}</p>
      <button class="email-skip" type="button" @click=${() => this.skip(id)}>${s.emailSkip}</button>
    </form>`;
  }

  /** Stops the timer (the panel goes away). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private isSkipped(id: string): boolean {
    if (this.skipped.has(id)) return true;
    try {
      return localStorage.getItem(SKIP_KEY + id) === '1';
    } catch {
      return false;
    }
  }

  private skip(id: string): void {
    this.skipped.add(id);
    try {
      localStorage.setItem(SKIP_KEY + id, '1');
    } catch {
      // Storage blocked: skipped for this page view.
    }
    this.host.requestUpdate();
  }

  private onSubmit = (e: Event): void => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('email') as HTMLInputElement;
    const email = input.value.trim();
    this.error = EMAIL.test(email) ? '' : (this.strings?.emailInvalid ?? 'invalid email');
    if (!this.error) this.chat.leaveEmail(email);
    this.host.requestUpdate();
  };
}
