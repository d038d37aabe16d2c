/**
 * The domain types both elements share, and the contract between the session
 * (transport/session.ts, which owns the socket, the outbox, the timelines and
 * the cursors) and the elements (`<cs-chat>`, `<cs-inbox>`), which only render
 * what a session reports and call its methods. Elements never touch the socket
 * or IndexedDB. Plain types and `as const` state objects: no I/O, so core/ and
 * store/ use them without importing transport/.
 */
import type { cs } from '../../../proto/gen/chat.js';
import type { Announcement, AnnouncementEvent } from './announcements.js';

export type Role = cs.v1.Role;
export type MessageKind = cs.v1.MessageKind;
export type ActionKind = cs.v1.ActionKind;

/** Connection states; changed in one place that emits `{oldState, newState}`. */
export const ConnState = {
  /** Not started, or stopped. */
  Idle: 'idle',
  /** Socket opening or Hello sent, no Welcome yet. */
  Connecting: 'connecting',
  /** Welcome received: frames flow. */
  Open: 'open',
  /** Lost; a reconnect is scheduled with backoff. */
  Waiting: 'waiting',
  /** `navigator.onLine` is false; reconnects on the `online` event. */
  Offline: 'offline',
  /** Refused for good (bad token, upgrade required): no reconnect. */
  Failed: 'failed',
} as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/** Delivery state of a message in a timeline, as the sender sees it. */
export const MessageState = {
  /** In the outbox, not acked yet (also while offline). */
  Sending: 'sending',
  /** Acked: stored on the server with a seq. */
  Sent: 'sent',
  /** A session of the other side confirmed receipt. */
  Delivered: 'delivered',
  /** The other side showed it. */
  Read: 'read',
  /** Gave up after the retry limit or a permanent rejection; `retry()` re-queues. */
  Failed: 'failed',
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

/** One message as the elements render it. Plain data, never mutated in place. */
export interface TimelineItem {
  /** Stable render key: the client_msg_id (own and others' messages alike). */
  readonly key: string;
  readonly conversationId: string;
  /** Server seq; 0 while pending. */
  readonly seq: number;
  readonly clientMsgId: string;
  readonly senderId: string;
  readonly senderRole: Role;
  readonly senderName: string;
  readonly kind: MessageKind;
  /** Plain text; render as text, never as HTML. */
  readonly text: string;
  readonly quoteSeq: number;
  readonly quickReplies: readonly string[];
  /** Server time, ms since the epoch; creation time while pending. */
  readonly timeMs: number;
  /** Sent by this user (any of their devices). */
  readonly own: boolean;
  readonly state: MessageState;
  /** Why it failed, for `failed`. */
  readonly error?: string;
}

/** A conversation's summary, as Welcome, SyncResult and InboxUpdate carry it. */
export interface ConversationInfo {
  readonly id: string;
  readonly epoch: string;
  readonly lastSeq: number;
  readonly site: string;
  readonly topic: string;
  readonly visitorId: string;
  readonly status: cs.v1.ConversationStatus;
  readonly assigneeId: string;
  readonly visitorUserId: string;
  readonly visitorName: string;
  readonly visitorEmail: string;
  readonly visitorOnline: boolean;
  readonly visitorPageUrl: string;
  readonly visitorPageTitle: string;
  readonly platform: string;
  readonly appVersion: string;
  readonly createdMs: number;
  readonly lastActivityMs: number;
  /**
   * For lists: the newest message a person wrote (visitor or agent; the
   * server never previews bot or system lines), with who wrote it.
   */
  readonly preview: string;
  /** Who wrote `preview` ('' when unknown): the list says "You: …" for the reader's own. */
  readonly previewSenderId: string;
  readonly previewSenderRole: Role;
  /** `preview` is a private note (agents only). */
  readonly previewNote: boolean;
  /** Unread messages from the other side. */
  readonly unread: number;
  /** The email the visitor left (Contact) or the site gave ('' none). */
  readonly contactEmail: string;
  /** Agents: replies the visitor does not see are emailed to `contactEmail`. */
  readonly willEmail: boolean;
}

/** What an element renders for one conversation. */
export interface ConversationView {
  readonly info: ConversationInfo | undefined;
  /** Seq'd messages in seq order, then own pending ones in creation order. */
  readonly items: readonly TimelineItem[];
  /** Older pages exist on the server (load with `loadOlder`). */
  readonly hasOlder: boolean;
  /** Who is typing on the other side now. */
  readonly typing: readonly { readonly name: string; readonly role: Role }[];
}

/**
 * `identify()` was refused: the server does not accept the signature for
 * this user id (or the input is incomplete). The chat goes on as the
 * anonymous visitor.
 */
export class IdentityError extends Error {
  /** Tells it from other errors without `instanceof` (the page does not import the class). */
  readonly type = 'identity';
}

export interface IdentityInput {
  readonly userId: string;
  readonly name?: string;
  readonly email?: string;
  /** Hex HMAC-SHA256 of userId made by the merchant's backend. */
  readonly signature: string;
}

export interface SessionOptions {
  /** WebSocket URL of the server's `/ws`. */
  readonly url: string;
  readonly role: 'visitor' | 'agent';
  /** Merchant site key (visitors). */
  readonly site?: string;
  /** Conversation topic, e.g. an order number (visitors). Default ''. */
  readonly topic?: string;
  /** Agent token (agents). */
  readonly agentToken?: string;
  readonly identity?: IdentityInput;
  /** Language for bot messages, e.g. 'en', 'zh-CN'. */
  readonly lang?: string;
  /** IndexedDB database name, so tests and several widgets stay apart. Default 'cs-chat'. */
  readonly dbName?: string;
  /** Time to wait for an Ack before resending, ms. Default 8000. */
  readonly ackTimeoutMs?: number;
  /** Resends before a message shows `failed`. Default 5. */
  readonly maxSendAttempts?: number;
  /** Reconnect backoff base, ms. Default 500. */
  readonly backoffBaseMs?: number;
  /** Reconnect backoff cap, ms. Default 20000. */
  readonly backoffCapMs?: number;
}

export interface SessionEvents {
  /** The connection state changed. */
  state: { readonly oldState: ConnState; readonly newState: ConnState };
  /** A Welcome arrived (every (re)connect). */
  welcome: {
    readonly userId: string;
    readonly name: string;
    readonly agentsOnline: number;
    /** Agents: Welcome.agent_ids, the agents one can transfer to. */
    readonly agentIds?: readonly string[];
    /** Visitors, away outside business hours: the next opening, ms since the epoch (0 unknown). */
    readonly nextOpenMs?: number;
    /** Visitors: offer the email field after this long without an agent's reply, ms; 0 when the server sends no email. */
    readonly askEmailAfterMs?: number;
  };
  /** A conversation's view or info changed; read `view(id)` again. Coalesced per animation frame. */
  change: { readonly conversationId: string };
  /** The conversation list changed (agents: InboxUpdate; visitors: Welcome), or a visitor's announcements (`announcements()`). */
  list: Record<string, never>;
  /** A new message from someone else arrived live (for badges and notifications). */
  incoming: { readonly item: TimelineItem };
  /** Agents online changed. */
  presence: { readonly agentsOnline: number; /** Presence.agent_ids when the server sends them. */ readonly agentIds?: readonly string[]; /** Visitors: the next opening when away outside hours (0 unknown). */ readonly nextOpenMs?: number };
  /** Visitors: the server stored the email left for a conversation (this tab's or another's). */
  contact: { readonly conversationId: string; readonly email: string };
  /** Agents: my own away toggle (after Welcome when away, and on every change). */
  agentStatus: { readonly away: boolean };
  /** An Error frame or a refused Hello; `ref` says what it is about ("contact", a client message id …). */
  error: { readonly code: cs.v1.ErrorCode; readonly message: string; readonly fatal: boolean; readonly ref?: string };
}

/** What the elements ask of a session about away mode and email (issue 14). */
export interface ContinuityControls {
  /** Visitors: leave the email the answer should go to (Contact); the server answers with a `contact` event or an `error` with ref "contact". */
  contact(conversationId: string, email: string): void;
  /** Agents: set myself away (or back). */
  setAway(away: boolean): void;
}

/** Removes a listener or cancels a timer. */
export type Disposer = () => void;

export interface Session {
  readonly state: ConnState;
  /** Visitors: the conversation for site+topic ('' until known). */
  readonly primaryConversationId: string;
  /** The signed-in user's id ('' until Welcome). */
  readonly userId: string;
  /** Opens IndexedDB, renders the cache at once, then connects. */
  start(): Promise<void>;
  /** Closes the socket and every timer and listener. The outbox stays. */
  stop(): Promise<void>;
  on<K extends keyof SessionEvents>(type: K, listener: (event: SessionEvents[K]) => void): Disposer;
  /** Known conversations, newest activity first. */
  conversations(): readonly ConversationInfo[];
  view(conversationId: string): ConversationView;
  /**
   * Queues a message: in the IndexedDB outbox before it is sent, shown at once
   * as `sending`. Empty conversationId means the visitor's primary one.
   */
  send(conversationId: string, text: string, options?: { kind?: MessageKind; quoteSeq?: number }): Promise<TimelineItem>;
  /** Re-queues a failed message. */
  retry(conversationId: string, clientMsgId: string): Promise<void>;
  /** Fetches the previous page (Sync before_seq). */
  loadOlder(conversationId: string): Promise<void>;
  /** Tells the other side we showed everything up to seq (batched). */
  markRead(conversationId: string, upToSeq: number): void;
  /** Typing on/off (throttled). */
  setTyping(conversationId: string, typing: boolean): void;
  /** Agents: receive Deliver for a conversation (opening it). */
  subscribe(conversationId: string): void;
  unsubscribe(conversationId: string): void;
  /** Agents: claim, assign/transfer, resolve, reopen. */
  action(conversationId: string, action: ActionKind, agentId?: string): void;
  /** Visitors: report the page they are on. */
  pageView(url: string, title: string): void;
  /** Away mode and email: the visitor's email, an agent's away toggle (issue 14). */
  readonly continuity: ContinuityControls;
  /** Visitors: bind to a verified merchant user; reconnects. */
  identify(identity: IdentityInput): Promise<void>;
  /** Visitors: switch topic (another conversation); reconnects. */
  setTopic(topic: string): Promise<void>;
  /** Visitors: forget token, cache and outbox (log-out); reconnects as new. */
  reset(): Promise<void>;
  /** Visitors: the announcements held (never a recalled one); `currentAnnouncements` drops expired ones and orders the rest, as `<cs-news>` does. */
  announcements(): readonly Announcement[];
  /** Visitors: tell the server the visitor saw, clicked, dismissed or replied to an announcement (each sent once). */
  announcementEvent(id: string, event: AnnouncementEvent): void;
}

/**
 * Makes the session an element renders; injected so the elements never name
 * a transport (tests pass a fake). May be async: the script-tag bundle loads
 * the engine's code only when the session is made.
 */
export type SessionFactory = (options: SessionOptions) => Session | Promise<Session>;
