/**
 * The workbench composer: reply or private-note mode, the quoted message, and
 * the canned-reply picker that opens when the agent types `/`. It only edits
 * text; `<cs-inbox>` hands what it fires to the session (whose outbox gives
 * agents the same delivery guarantees as visitors).
 */
import { workbenchStrings, type WorkbenchStrings } from './workbench-i18n.js';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { TimelineItem } from '../core/types.js';
import { ComposerController } from './composer.js';
import { cannedQuery, matchCanned, type CannedReply } from './inbox-canned.js';
import { resetStyles } from './styles.js';

/** Detail of `cs-compose`. */
export interface ComposeDetail {
  readonly text: string;
  /** A private note (kind NOTE) rather than a reply. */
  readonly note: boolean;
  /** The quoted message's seq, 0 for none. */
  readonly quoteSeq: number;
}

/**
 * @fires cs-compose - {ComposeDetail} the agent sent a reply or a note.
 * @fires cs-typing - {boolean} the agent started or stopped typing a reply (never for notes).
 * @fires cs-cancel-quote - the agent dropped the quote.
 * @csspart input - the textarea.
 */
export class CsInboxComposer extends LitElement {
  static override properties = {
    canned: { attribute: false },
    t: { attribute: false },
    quote: { attribute: false },
    disabled: { type: Boolean },
    note: { state: true },
    pick: { state: true },
    pickerClosed: { state: true },
  };

  declare canned: readonly CannedReply[];
  /** The strings in the agent's language. */
  declare t: WorkbenchStrings;
  /** The message being quoted, if any. */
  declare quote: TimelineItem | undefined;
  declare disabled: boolean;
  declare note: boolean;
  /** Highlighted entry of the canned picker. */
  declare pick: number;
  /** Escape closed the picker for the current query. */
  declare pickerClosed: boolean;
  /** The shared draft, Enter rule and typing signal (composer.ts). */
  private readonly composer = new ComposerController(this, (typing) =>
    this.dispatchEvent(new CustomEvent<boolean>('cs-typing', { detail: typing, bubbles: true, composed: true })),
  );

  constructor() {
    super();
    this.canned = [];
    this.t = workbenchStrings('en');
    this.quote = undefined;
    this.disabled = false;
    this.note = false;
    this.pick = 0;
    this.pickerClosed = false;
  }

  /** Puts the caret in the textarea. */
  override focus(): void {
    this.renderRoot.querySelector('textarea')?.focus();
  }

  /** Clears the draft (another conversation was opened). */
  reset(): void {
    this.composer.setTyping(false);
    this.composer.set('');
    this.note = false;
    this.pick = 0;
  }

  private get cannedMatches(): CannedReply[] {
    const q = cannedQuery(this.composer.text);
    return q === undefined || this.pickerClosed ? [] : matchCanned(this.canned, q);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('quote') && this.quote) void this.updateComplete.then(() => this.focus());
  }

  override render() {
    const matches = this.cannedMatches;
    const t = this.t;
    const label = this.note ? t.noteMode : t.replyMode;
    return html`
      <div class="mode" role="radiogroup" aria-label=${t.messageType}>
        <button type="button" role="radio" aria-checked=${String(!this.note)} @click=${() => this.setNote(false)}>${t.replyMode}</button>
        <button type="button" role="radio" aria-checked=${String(this.note)} class="note-mode" @click=${() => this.setNote(true)}>
          ${t.noteMode}
        </button>
        ${this.note ? html`<span class="hint">${t.onlyAgents}</span>` : this.canned.length ? html`<span class="hint">${t.cannedHintShort}</span>` : nothing}
      </div>
      ${this.quote
        ? html`<div class="quoting">
            <span class="sr-only">${t.quoting}</span><span class="qtext">${this.quote.text}</span>
            <button type="button" class="x" aria-label=${t.cancelQuote} @click=${this.cancelQuote}>×</button>
          </div>`
        : nothing}
      ${matches.length
        ? html`<ul class="picker" role="listbox" id="canned" aria-label=${t.cannedReplies}>
            ${matches.map(
              (r, i) => html`<li
                role="option"
                id=${`canned-${i}`}
                aria-selected=${String(i === this.pick % matches.length)}
                @mousedown=${(e: Event) => e.preventDefault()}
                @click=${() => this.insert(r)}
              >
                <b>/${r.shortcut}</b> <span>${r.text}</span>
              </li>`,
            )}
          </ul>`
        : nothing}
      <div class=${this.note ? 'box note' : 'box'}>
        <textarea
          part="input"
          rows="2"
          aria-label=${label}
          placeholder=${this.note ? t.notePlaceholder : t.replyPlaceholder}
          aria-controls=${matches.length ? 'canned' : nothing}
          aria-activedescendant=${matches.length ? `canned-${this.pick % matches.length}` : nothing}
          .value=${this.composer.text}
          ?disabled=${this.disabled}
          @input=${this.onInput}
          @keydown=${this.onKeydown}
          @compositionstart=${this.composer.compositionStart}
          @compositionend=${this.composer.compositionEnd}
          @blur=${() => this.composer.setTyping(false)}
        ></textarea>
        <button type="button" class="send" ?disabled=${this.disabled || !this.composer.text.trim()} @click=${this.submit}>
          ${this.note ? t.addNote : t.send}
        </button>
      </div>
    `;
  }

  private setNote(note: boolean): void {
    this.note = note;
    if (note) this.composer.setTyping(false);
    this.focus();
  }

  private onInput(e: Event): void {
    const text = (e.target as HTMLTextAreaElement).value;
    this.pick = 0;
    this.pickerClosed = false;
    this.composer.input(text, !this.note && text.length > 0 && cannedQuery(text) === undefined);
  }

  private onKeydown(e: KeyboardEvent): void {
    const matches = this.cannedMatches;
    if (matches.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.pick = (this.pick + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
        return;
      }
      if (this.composer.sends(e) || e.key === 'Tab') {
        e.preventDefault();
        this.insert(matches[this.pick % matches.length]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        this.pickerClosed = true;
        return;
      }
    }
    if (this.composer.sends(e)) {
      e.preventDefault();
      this.submit();
    } else if (e.key === 'Escape' && this.quote) {
      this.cancelQuote();
    }
  }

  private insert(reply: CannedReply): void {
    this.composer.set(reply.text);
    this.pick = 0;
    this.composer.setTyping(!this.note);
    this.focus();
  }

  private submit(): void {
    if (this.disabled) return;
    const text = this.composer.take().trim();
    if (!text) return;
    const detail: ComposeDetail = { text, note: this.note, quoteSeq: this.quote?.seq ?? 0 };
    this.dispatchEvent(new CustomEvent<ComposeDetail>('cs-compose', { detail, bubbles: true, composed: true }));
    this.focus();
  }

  private cancelQuote(): void {
    this.dispatchEvent(new CustomEvent('cs-cancel-quote', { bubbles: true, composed: true }));
    this.focus();
  }

  static override styles = [
    resetStyles,
    css`
      :host {
        position: relative !important;
        padding: 10px 16px 14px !important;
        border-top: 1px solid var(--_line) !important;
        background: var(--_bg) !important;
      }
      .mode {
        display: flex;
        align-items: center;
        gap: 4px;
        margin-bottom: 8px;
      }
      .mode button {
        border: 0;
        background: none;
        padding: 4px 10px;
        border-radius: 6px;
        font-size: 13px;
        font-weight: 600;
        color: var(--_muted);
      }
      .mode button[aria-checked='true'] {
        background: #eef2ff;
        color: var(--_accent);
      }
      .mode .note-mode[aria-checked='true'] {
        background: #fef3c7;
        color: #92400e;
      }
      .hint {
        margin-inline-start: auto;
        font-size: 12px;
        color: var(--_muted);
      }
      .box {
        display: flex;
        align-items: flex-end;
        gap: 8px;
        border: 1px solid var(--_line);
        border-radius: 10px;
        padding: 6px 6px 6px 12px;
        background: #fff;
      }
      .box:focus-within {
        border-color: var(--_accent);
        box-shadow: 0 0 0 3px #4f46e522;
      }
      .box.note {
        background: #fffbeb;
        border-color: #fcd34d;
      }
      textarea {
        flex: 1;
        border: 0;
        outline: 0;
        resize: none;
        background: transparent;
        min-height: 44px;
        max-height: 160px;
        padding: 4px 0;
        /* 16 px: iOS zooms the page into any smaller input on focus. */
        font-size: 16px;
      }
      textarea:focus-visible {
        outline: none;
      }
      .send {
        border: 0;
        border-radius: 8px;
        padding: 8px 16px;
        font-weight: 600;
        background: var(--_accent);
        color: #fff;
      }
      .box.note .send {
        background: #d97706;
      }
      .send:disabled {
        opacity: 0.4;
        cursor: default;
      }
      .quoting {
        display: flex;
        align-items: center;
        gap: 8px;
        margin-bottom: 8px;
        padding: 6px 10px;
        border-inline-start: 3px solid var(--_accent);
        background: #f5f7ff;
        border-radius: 6px;
        font-size: 13px;
      }
      .qtext {
        flex: 1;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .x {
        border: 0;
        background: none;
        font-size: 18px;
        line-height: 1;
        color: var(--_muted);
      }
      .picker {
        position: absolute;
        left: 16px;
        right: 16px;
        bottom: calc(100% - 40px);
        margin: 0;
        padding: 4px;
        list-style: none;
        background: #fff;
        border: 1px solid var(--_line);
        border-radius: 10px;
        box-shadow: 0 10px 30px #0f172a26;
        max-height: 240px;
        overflow: auto;
        z-index: 2;
      }
      .picker li {
        padding: 8px 10px;
        border-radius: 6px;
        font-size: 13px;
        cursor: pointer;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .picker li[aria-selected='true'] {
        background: #eef2ff;
      }
      .picker b {
        color: var(--_accent);
      }
    `,
  ];
}

customElements.define('cs-inbox-composer', CsInboxComposer);

declare global {
  interface HTMLElementTagNameMap {
    'cs-inbox-composer': CsInboxComposer;
  }
}
