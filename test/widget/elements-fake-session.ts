/**
 * A scripted stand-in for `ChatSession` that the element tests drive: it
 * holds one conversation in memory, records every call, and emits the
 * session events on demand. It implements the full {@link Session} contract so
 * the element cannot use anything the real session lacks.
 */
import {
  ConnState,
  MessageState,
  type ConversationInfo,
  type ConversationView,
  type Disposer,
  type IdentityInput,
  type MessageKind,
  type Role,
  type Session,
  type SessionEvents,
  type TimelineItem,
} from '../../widget/src/core/types.js';
import type { Announcement, AnnouncementEvent } from '../../widget/src/core/announcements.js';

type Listener<K extends keyof SessionEvents> = (event: SessionEvents[K]) => void;

/** One recorded method call. */
export interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

let counter = 0;

/** A timeline item with sensible defaults; `seq` 0 means pending. */
export function item(partial: Partial<TimelineItem> & { text: string }): TimelineItem {
  counter += 1;
  const key = partial.key ?? partial.clientMsgId ?? `m${counter}`;
  return {
    key,
    conversationId: 'c1',
    seq: counter,
    clientMsgId: key,
    senderId: partial.own ? 'v1' : 'a1',
    senderRole: (partial.own ? 1 : 2) as Role,
    senderName: partial.own ? '' : 'Alice',
    kind: 0 as MessageKind,
    quoteSeq: 0,
    quickReplies: [],
    timeMs: 1_700_000_000_000 + counter * 60_000,
    own: false,
    state: MessageState.Sent,
    ...partial,
  };
}

/** A fake session: conversation 'c1', scripted state and events, recorded calls. */
export class FakeSession implements Session {
  state: ConnState = ConnState.Idle;
  primaryConversationId = 'c1';
  userId = 'v1';
  items: TimelineItem[] = [];
  hasOlder = false;
  typing: { name: string; role: Role }[] = [];
  readonly calls: Call[] = [];
  /** Older pages `loadOlder` will prepend, newest page last. */
  olderPages: TimelineItem[][] = [];
  private listeners = new Map<keyof SessionEvents, Set<(event: never) => void>>();

  calledWith(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void {
    for (const l of this.listeners.get(type) ?? []) (l as Listener<K>)(event);
  }

  setState(newState: ConnState): void {
    const oldState = this.state;
    this.state = newState;
    this.emit('state', { oldState, newState });
  }

  /** Adds messages and tells the element, as the real session does after a Deliver. */
  push(...added: TimelineItem[]): void {
    this.items = [...this.items, ...added];
    this.emit('change', { conversationId: 'c1' });
  }

  /** A live message from the other side: change + incoming. */
  receive(added: TimelineItem): void {
    this.push(added);
    this.emit('incoming', { item: added });
  }

  async start(): Promise<void> {
    this.calls.push({ method: 'start', args: [] });
    this.setState(ConnState.Open);
    this.emit('welcome', { userId: 'v1', name: '', agentsOnline: 1 });
  }

  async stop(): Promise<void> {
    this.calls.push({ method: 'stop', args: [] });
  }

  on<K extends keyof SessionEvents>(type: K, listener: Listener<K>): Disposer {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const l = listener as (event: never) => void;
    set.add(l);
    return () => set.delete(l);
  }

  conversations(): readonly ConversationInfo[] {
    return [];
  }

  view(conversationId: string): ConversationView {
    return conversationId === 'c1'
      ? { info: undefined, items: this.items, hasOlder: this.hasOlder, typing: this.typing }
      : { info: undefined, items: [], hasOlder: false, typing: [] };
  }

  async send(conversationId: string, text: string, options?: { kind?: MessageKind; quoteSeq?: number }): Promise<TimelineItem> {
    this.calls.push({ method: 'send', args: [conversationId, text, options] });
    const sent = item({ text, own: true, seq: 0, state: MessageState.Sending, quoteSeq: options?.quoteSeq ?? 0 });
    this.push(sent);
    return sent;
  }

  async retry(conversationId: string, clientMsgId: string): Promise<void> {
    this.calls.push({ method: 'retry', args: [conversationId, clientMsgId] });
  }

  async loadOlder(conversationId: string): Promise<void> {
    this.calls.push({ method: 'loadOlder', args: [conversationId] });
    const page = this.olderPages.pop();
    if (page) this.items = [...page, ...this.items];
    this.hasOlder = this.olderPages.length > 0;
    this.emit('change', { conversationId: 'c1' });
  }

  markRead(conversationId: string, upToSeq: number): void {
    this.calls.push({ method: 'markRead', args: [conversationId, upToSeq] });
  }

  setTyping(conversationId: string, typing: boolean): void {
    this.calls.push({ method: 'setTyping', args: [conversationId, typing] });
  }

  subscribe(): void {}
  unsubscribe(): void {}
  action(): void {}

  readonly continuity = {
    contact: (conversationId: string, email: string): void => void this.calls.push({ method: 'contact', args: [conversationId, email] }),
    setAway: (away: boolean): void => void this.calls.push({ method: 'setAway', args: [away] }),
  };

  pageView(url: string, title: string): void {
    this.calls.push({ method: 'pageView', args: [url, title] });
  }

  async identify(identity: IdentityInput): Promise<void> {
    this.calls.push({ method: 'identify', args: [identity] });
  }

  async setTopic(topic: string): Promise<void> {
    this.calls.push({ method: 'setTopic', args: [topic] });
  }

  async reset(): Promise<void> {
    this.calls.push({ method: 'reset', args: [] });
  }

  /** Announcements to show (set them, then `emit('list', {})`). */
  news: Announcement[] = [];

  announcements(): readonly Announcement[] {
    return this.news;
  }

  announcementEvent(id: string, event: AnnouncementEvent): void {
    this.calls.push({ method: 'announcementEvent', args: [id, event] });
  }
}
