/**
 * The session's per-conversation state: one Timeline each, the info the lists
 * show, the cursors sent, and the epoch rule (DESIGN.md §3.9) in one place.
 */
import type { cs } from '../../../proto/gen/chat.js';
import { Timeline } from '../core/index.js';
import type { ConversationInfo, ConversationView, Disposer, Role, TimelineItem } from '../core/types.js';
import type { ChatStore } from '../store/index.js';
import { toInfo } from './mapping.js';

/** What a Sync was for: the newest page, catching up by cursor, an older page, or held messages again (fresh file URLs). */
export type SyncKind = 'newest' | 'forward' | 'older' | 'renew';

/** A Sync on the wire, waiting for its SyncResult. */
export interface PendingSync {
  readonly kind: SyncKind;
  readonly done?: () => void;
}

/** One conversation's state in the session. */
export interface Conv {
  readonly timeline: Timeline;
  info: ConversationInfo | undefined;
  hasOlder: boolean;
  /** Outstanding Syncs, answered in order. */
  syncs: PendingSync[];
  typing: Map<string, { name: string; role: Role; untilMs: number }>;
  receivedSent: number;
  readUpTo: number;
  readSent: number;
  typingOn: boolean;
  typingSentMs: number;
  stopTyping?: Disposer;
  /** Seq'd items not yet in the IndexedDB cache. */
  unsaved: TimelineItem[];
  /** The view last handed out; dropped on every change. */
  view?: ConversationView;
}

/** What the registry needs from the session. */
export interface ConversationsDeps {
  store(): ChatStore | undefined;
  /** A conversation's view or info changed. */
  changed(id: string): void;
}

/** Every conversation the session knows, by id ('' holds a visitor's messages before the conversation is known). */
export class Conversations extends Map<string, Conv> {
  constructor(private readonly deps: ConversationsDeps) {
    super();
  }

  /** The conversation's state, created empty when first named (`get` only finds). */
  ensure(id: string): Conv {
    let conv = this.get(id);
    if (!conv) {
      conv = {
        timeline: new Timeline(),
        info: undefined,
        hasOlder: false,
        syncs: [],
        typing: new Map(),
        receivedSent: 0,
        readUpTo: 0,
        readSent: 0,
        typingOn: false,
        typingSentMs: 0,
        unsaved: [],
      };
      this.set(id, conv);
    }
    return conv;
  }

  /** Known conversations' infos, newest activity first. */
  infos(): ConversationInfo[] {
    const infos: ConversationInfo[] = [];
    for (const conv of this.values()) if (conv.info) infos.push(conv.info);
    return infos.sort((a, b) => b.lastActivityMs - a.lastActivityMs);
  }

  /**
   * The one place an epoch is checked (DESIGN.md §3.9): a conversation first
   * seen takes the epoch; a different one means the server lost its state, so
   * the cache is dropped and the timeline starts again.
   * @returns true when the epoch changed and the conversation was reset.
   */
  adoptEpoch(id: string, epoch: string): boolean {
    const conv = this.ensure(id);
    if (!epoch || !conv.timeline.epoch || epoch === conv.timeline.epoch) {
      conv.timeline.epoch ||= epoch;
      return false;
    }
    conv.timeline.reset(epoch);
    conv.unsaved = [];
    conv.receivedSent = conv.readSent = conv.readUpTo = 0;
    conv.hasOlder = false;
    void this.deps.store()?.clearMessages(id).catch(ignore);
    this.deps.changed(id);
    return true;
  }

  /** Takes a conversation's info from Welcome, SyncResult or InboxUpdate, and caches it. */
  setInfo(c: cs.v1.Conversation.$Properties, update?: cs.v1.InboxUpdate.$Properties): void {
    const id = c.id ?? '';
    if (!id) return;
    const conv = this.ensure(id);
    this.adoptEpoch(id, c.epoch ?? '');
    conv.info = toInfo(c, conv.info, () => conv.timeline.items().at(-1)?.text ?? '', update);
    void this.deps.store()?.putConversation({ id, epoch: conv.timeline.epoch, info: conv.info }).catch(ignore);
    this.deps.changed(id);
  }

  /** Hello.cursors: per conversation, the epoch and the highest seq held with none missing below it. */
  cursors(): cs.v1.Cursor.$Properties[] {
    const cursors: cs.v1.Cursor.$Properties[] = [];
    for (const [id, conv] of this) {
      if (id && conv.timeline.epoch) cursors.push({ conversationId: id, epoch: conv.timeline.epoch, seq: conv.timeline.cursor });
    }
    return cursors;
  }

  /** Presence of a visitor: their conversations' infos say whether they are online. */
  setVisitorOnline(visitorId: string, online: boolean): void {
    for (const conv of this.values()) {
      if (conv.info?.visitorId === visitorId) conv.info = { ...conv.info, visitorOnline: online };
    }
  }

  /** Restores the cached conversations and their newest messages (the first screen before any network). */
  async restore(store: ChatStore): Promise<void> {
    for (const record of await store.conversations()) {
      const conv = this.ensure(record.id);
      conv.timeline.epoch = record.epoch;
      conv.info = record.info;
      const items = await store.messages(record.id);
      if (items[0]) {
        conv.timeline.setFloor(items[0].seq - 1);
        conv.timeline.insert(items);
        conv.hasOlder = items[0].seq > 1;
        conv.receivedSent = conv.timeline.cursor;
      }
      this.deps.changed(record.id);
    }
  }
}

/** Cache writes are best effort: the server holds the truth and a resync repairs a missed write. */
export function ignore(): void {
  // nothing to do
}
