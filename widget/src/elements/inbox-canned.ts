/**
 * Canned replies: a configured list of ready answers an agent inserts by
 * typing `/` at the start of the composer and picking one. Pure functions.
 */

/** One canned reply. `shortcut` is what the agent types after `/`. */
export interface CannedReply {
  readonly shortcut: string;
  readonly text: string;
}

/**
 * Used when the page configures none (`cannedReplies` property or the
 * `canned-replies` attribute, a JSON array of {shortcut, text}).
 */
export const DEFAULT_CANNED_REPLIES: readonly CannedReply[] = [
  { shortcut: 'hello', text: 'Hi there! Thanks for reaching out. How can I help you today?' },
  { shortcut: 'order', text: 'Could you share your order number? I will look it up right away.' },
  { shortcut: 'shipping', text: 'Orders ship within 1 business day; delivery takes 2-4 days. You get a tracking link by email.' },
  { shortcut: 'returns', text: 'You can return any item within 30 days. I can start the return for you now if you like.' },
  { shortcut: 'thanks', text: 'Thanks for chatting with us! Is there anything else I can help with?' },
];

/**
 * The canned query in a composer text: the text after a leading `/` when the
 * agent is still typing a single word, else undefined (no picker).
 */
export function cannedQuery(composerText: string): string | undefined {
  const match = /^\/(\S*)$/.exec(composerText);
  return match ? match[1]!.toLowerCase() : undefined;
}

/** Replies whose shortcut starts with, or whose text contains, the query. Shortcut matches first. */
export function matchCanned(list: readonly CannedReply[], query: string): CannedReply[] {
  const q = query.toLowerCase();
  const byShortcut = list.filter((r) => r.shortcut.toLowerCase().startsWith(q));
  const byText = list.filter((r) => !byShortcut.includes(r) && r.text.toLowerCase().includes(q));
  return [...byShortcut, ...byText];
}

/**
 * Parses the `canned-replies` attribute. Bad JSON or bad entries give the
 * defaults plus a console error naming the problem: a typo in the page must
 * not leave the agent without the picker.
 */
export function parseCannedReplies(json: string | null): readonly CannedReply[] {
  if (!json) return DEFAULT_CANNED_REPLIES;
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) throw new Error('expected a JSON array');
    return value.map((entry: unknown, i) => {
      const r = entry as Partial<Record<keyof CannedReply, unknown>> | null;
      if (!r || typeof r.shortcut !== 'string' || typeof r.text !== 'string' || !r.shortcut || !r.text) {
        throw new Error(`entry ${i} needs a non-empty "shortcut" and "text"`);
      }
      return { shortcut: r.shortcut, text: r.text };
    });
  } catch (err) {
    console.error(`<cs-inbox>: canned-replies attribute ignored: ${(err as Error).message}`);
    return DEFAULT_CANNED_REPLIES;
  }
}
