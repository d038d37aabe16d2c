/**
 * The matching message of a search hit (issue 12): the full-text index says
 * *which* conversations match; the list shows *where*, as a short excerpt
 * of the newest message that contains the words, so an agent sees why a
 * conversation was found without opening it. Kept cheap on purpose: only
 * the first results get one, and only their newest `scan` messages are
 * read (through the conversation's page cache). An older match shows the
 * ordinary preview instead.
 */
import { cs } from '../../../../proto/gen/chat.js';
import type { Conversation } from '../../store/conversations.js';

/** Characters of an excerpt around the first match. */
const EXCERPT_CHARS = 120;

/**
 * The words a message must contain for `q`, lower case: plain words all
 * must occur; with FTS5 syntax (quotes, OR, `*`) the phrase or words are
 * taken as alternatives, enough to find the message to show.
 */
export function searchTerms(q: string): { readonly terms: readonly string[]; readonly all: boolean } {
  const syntax = /["*()^:{}+]|(^|\s)(AND|OR|NOT|NEAR)(\s|$)/.test(q);
  if (!syntax) return { terms: q.trim().toLowerCase().split(/\s+/).filter(Boolean), all: true };
  const phrases = [...q.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.trim().toLowerCase()).filter(Boolean);
  const rest = q
    .replace(/"[^"]*"?/g, ' ')
    .replace(/[*()^:{}+]/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !/^(AND|OR|NOT|NEAR)$/.test(w))
    .map((w) => w.toLowerCase());
  return { terms: [...phrases, ...rest], all: false };
}

/** A short excerpt of `text` around `at`, with ellipses where it was cut. */
function excerpt(text: string, at: number, length: number): string {
  const flat = text.replace(/\s+/g, ' ');
  const start = Math.max(0, Math.min(at - 24, flat.length - EXCERPT_CHARS));
  const end = Math.min(flat.length, Math.max(start + EXCERPT_CHARS, at + length));
  return `${start > 0 ? '…' : ''}${flat.slice(start, end).trim()}${end < flat.length ? '…' : ''}`;
}

/** The newest of the last `scan` messages (notes and events aside) matching `terms`, as `{seq, text, sent_at}`; undefined when none does. */
export function matchContext(conversation: Conversation, search: ReturnType<typeof searchTerms>, scan: number): { seq: number; text: string; sent_at: number } | undefined {
  if (search.terms.length === 0) return undefined;
  const stop = Math.max(0, conversation.servedSeq - scan);
  for (let seq = conversation.servedSeq; seq > stop; seq--) {
    const m = conversation.message(seq);
    if (!m) break;
    if (m.kind === cs.v1.MessageKind.EVENT || m.kind === cs.v1.MessageKind.NOTE) continue;
    const lower = m.text.replace(/\s+/g, ' ').toLowerCase();
    const hits = search.terms.map((t) => lower.indexOf(t));
    if (search.all ? hits.some((h) => h < 0) : hits.every((h) => h < 0)) continue;
    const first = hits.findIndex((h) => h >= 0);
    return { seq, text: excerpt(m.text, hits[first]!, search.terms[first]!.length), sent_at: m.serverTimeMs };
  }
  return undefined;
}
