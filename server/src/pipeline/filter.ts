/**
 * Sensitive-word filter (issue 2). The list comes from `CS_BLOCKED_WORDS`
 * (comma separated, case-insensitive, matched anywhere in the text, also
 * inside longer words). Mode `mask` (default) replaces each character of a
 * match with `*` and stores the masked text; mode `reject`
 * (`CS_BLOCKED_WORDS_MODE=reject`) refuses the message with Ack REJECTED
 * "blocked word" and stores nothing.
 */
import type { BlockedWordsMode } from '../options.js';

export type FilterResult = { ok: true; text: string } | { ok: false; reason: string };

export class WordFilter {
  private pattern: RegExp | undefined;
  private mode: BlockedWordsMode = 'mask';

  constructor(words: readonly string[], mode: BlockedWordsMode) {
    this.configure(words, mode);
  }

  /** Replaces the list and mode (a settings change takes effect with the next message). */
  configure(words: readonly string[], mode: BlockedWordsMode): void {
    const cleaned = words.map((w) => w.trim()).filter((w) => w.length > 0);
    this.pattern = cleaned.length > 0 ? new RegExp(cleaned.map(escapeRegExp).join('|'), 'giu') : undefined;
    this.mode = mode;
  }

  apply(text: string): FilterResult {
    if (!this.pattern) return { ok: true, text };
    this.pattern.lastIndex = 0;
    if (!this.pattern.test(text)) return { ok: true, text };
    if (this.mode === 'reject') return { ok: false, reason: 'blocked word' };
    return { ok: true, text: text.replace(this.pattern, (match) => '*'.repeat([...match].length)) };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
