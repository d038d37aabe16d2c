/**
 * Conversations as the JSON API reads them (DESIGN.md §12: list, read,
 * export). `ConversationReader` is the port; `MemoryConversationReader`
 * answers through the serving store: the list is read from SQLite's rows
 * (every stored conversation, filtered and ordered there; nothing is loaded
 * into the hot set), with the live object for a conversation in memory.
 * Search matches visitor name, email and topic (Unicode case folding), and
 * message text through the full-text index of the whole history
 * (store/search.ts, FTS5) when the store is on disk — else the text of
 * recent messages (ConversationStore.textContains); private notes and
 * events excluded.
 */
import { cs } from '../../../../proto/gen/chat.js';
import { personPreview } from '../../pipeline/preview.js';
import type { ConversationStore, Conversation, StoredMessage } from '../../store/conversations.js';
import { SearchSyntaxError, type MessageSearch } from '../../store/search.js';
import { ApiError } from './http.js';
import { matchContext, searchTerms } from './search-context.js';

/** Conversation statuses by their API names. */
export const STATUS_NAMES = { open: cs.v1.ConversationStatus.OPEN, pending: cs.v1.ConversationStatus.PENDING, resolved: cs.v1.ConversationStatus.RESOLVED } as const;
export type StatusName = keyof typeof STATUS_NAMES;

const ROLE_NAMES: Readonly<Record<number, string>> = { [cs.v1.Role.VISITOR]: 'visitor', [cs.v1.Role.AGENT]: 'agent', [cs.v1.Role.BOT]: 'bot', [cs.v1.Role.SYSTEM]: 'system' };
const KIND_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(cs.v1.MessageKind).map(([name, value]) => [value, name.toLowerCase()]));

/** Most conversations a list or search looks at (newest activity first). */
const LIST_SCAN = 2000;
/** Most messages per conversation a text search reads in memory, newest first (without the full-text index: CS_JOURNAL=off). */
const SEARCH_SCAN = 300;

/** Results of a search that get the matching message's excerpt (`match`). */
const CONTEXT_RESULTS = 50;
/** Newest messages of a result read for its excerpt. */
const CONTEXT_SCAN = 200;

/** A list filter. */
export interface ConversationFilter {
  readonly status?: StatusName;
  readonly site?: string;
  readonly assignee?: string;
  /** Free text: visitor name, email, topic, message text. */
  readonly q?: string;
  readonly limit: number;
}

/** The API's read port over conversations. */
export interface ConversationReader {
  /** The conversations of `filter`, newest activity first; `hasMore` when more matched than `limit`. */
  list(filter: ConversationFilter): { conversations: Record<string, unknown>[]; hasMore: boolean };
  /** One conversation, or undefined. */
  get(id: string): Record<string, unknown> | undefined;
  /** Messages with seq > afterSeq, oldest first, at most `limit`; undefined when the conversation is unknown. */
  messages(id: string, afterSeq: number, limit: number): { messages: Record<string, unknown>[]; hasMore: boolean } | undefined;
  /** Distinct site keys. */
  sites(): string[];
}

function statusName(status: cs.v1.ConversationStatus): string {
  return (Object.entries(STATUS_NAMES).find(([, v]) => v === status)?.[0]) ?? 'open';
}

/** A message as JSON. */
export function messageJson(m: StoredMessage): Record<string, unknown> {
  return {
    seq: m.seq,
    client_msg_id: m.clientMsgId,
    sender_id: m.senderId,
    sender_role: ROLE_NAMES[m.senderRole] ?? 'unknown',
    sender_name: m.senderName,
    kind: KIND_NAMES[m.kind] ?? 'text',
    text: m.text,
    sent_at: m.serverTimeMs,
    quote_seq: m.quoteSeq,
    ...(m.quickReplies.length > 0 ? { quick_replies: [...m.quickReplies] } : {}),
  };
}

/** The list preview: the newest message a person wrote and who wrote it. */
function previewJson(c: Conversation): Record<string, unknown> {
  const preview = personPreview(c);
  return { preview: preview.text, preview_sender_id: preview.senderId, preview_sender_role: ROLE_NAMES[preview.senderRole] ?? '', preview_note: preview.note };
}

export class MemoryConversationReader implements ConversationReader {
  constructor(
    private readonly store: ConversationStore,
    /** The full-text index of cs-chat.db; undefined when nothing is on disk. */
    private readonly search?: MessageSearch,
  ) {}

  private json(c: Conversation): Record<string, unknown> {
    const visitor = this.store.visitors.get(c.visitorId);
    return {
      id: c.id,
      site: c.site,
      topic: c.topic,
      status: statusName(c.status),
      assignee_id: c.assigneeId,
      visitor_id: c.visitorId,
      visitor_user_id: visitor?.userId ?? '',
      visitor_name: visitor?.name ?? '',
      visitor_email: visitor?.email ?? '',
      last_seq: c.servedSeq,
      ...previewJson(c),
      unread: c.unreadForAgents(),
      created_at: c.createdMs,
      last_activity_at: c.lastActivityMs,
    };
  }

  private matches(c: Conversation, q: string, found: ReadonlySet<string> | undefined): boolean {
    const visitor = this.store.visitors.get(c.visitorId);
    const fields = [visitor?.name ?? '', visitor?.email ?? '', c.topic];
    if (fields.some((f) => f.toLowerCase().includes(q))) return true;
    if (found) return found.has(c.id);
    return this.store.textContains(c, q, SEARCH_SCAN);
  }

  list(filter: ConversationFilter): { conversations: Record<string, unknown>[]; hasMore: boolean } {
    const q = filter.q?.trim().toLowerCase() ?? '';
    const candidates = this.store.browse(
      { status: filter.status === undefined ? undefined : STATUS_NAMES[filter.status], site: filter.site, assigneeId: filter.assignee },
      q ? LIST_SCAN : filter.limit + 1,
    );
    const found = q ? this.textMatches(filter.q ?? '') : undefined;
    const terms = q ? searchTerms(filter.q ?? '') : undefined;
    const out: Record<string, unknown>[] = [];
    for (const c of candidates) {
      if (q && !this.matches(c, q, found)) continue;
      if (out.length >= filter.limit) return { conversations: out, hasMore: true };
      const match = terms && out.length < CONTEXT_RESULTS && (found?.has(c.id) ?? true) ? matchContext(c, terms, CONTEXT_SCAN) : undefined;
      out.push(match ? { ...this.json(c), match } : this.json(c));
    }
    return { conversations: out, hasMore: false };
  }

  /** Conversations whose message text matches, from the index; undefined without one. Bad query syntax is a 400. */
  private textMatches(q: string): ReadonlySet<string> | undefined {
    try {
      return this.search?.conversationIds(q);
    } catch (error) {
      if (error instanceof SearchSyntaxError) {
        throw new ApiError('bad_request', `q is not a search the index can read (${error.message}). Put an exact phrase in double quotes, e.g. "free shipping".`);
      }
      throw error;
    }
  }

  get(id: string): Record<string, unknown> | undefined {
    const c = this.store.get(id);
    return c && c.servedSeq > 0 ? this.json(c) : undefined;
  }

  messages(id: string, afterSeq: number, limit: number): { messages: Record<string, unknown>[]; hasMore: boolean } | undefined {
    const c = this.store.get(id);
    if (!c || c.servedSeq === 0) return undefined;
    const messages: Record<string, unknown>[] = [];
    const last = Math.min(c.servedSeq, afterSeq + limit);
    for (let seq = afterSeq + 1; seq <= last; seq++) {
      const m = c.message(seq);
      if (m) messages.push(messageJson(m));
    }
    return { messages, hasMore: last < c.servedSeq };
  }

  sites(): string[] {
    return this.store.sites();
  }
}
