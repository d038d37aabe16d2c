/**
 * The ports of the pipeline: what it needs from the world, defined here and
 * implemented by the gateway (DESIGN.md §1). Nothing in `pipeline/` knows a
 * uWS socket: it learns who is asking (`Caller`), answers through `Reply`,
 * reaches everyone else through `FanOut`, and makes messages durable through
 * `MessageStore`.
 */
import type { Logger } from 'pino';
import type { cs } from '../../../proto/gen/chat.js';
import type { ServerMetrics } from '../http/metrics.js';
import type { ServerOptions } from '../options.js';
import type { Conversation, ConversationStore, StoredMessage } from '../store/conversations.js';
import type { DurableStore } from '../store/records.js';
import type { WordFilter } from './filter.js';

/** Who is asking: the authenticated sender of a frame. */
export interface Caller {
  readonly role: cs.v1.Role;
  /** Visitor id or agent id. */
  readonly userId: string;
  /** Shown as the sender of the caller's messages. */
  readonly name: string;
  /** Language of server-made replies (Hello.lang). */
  readonly lang: string;
  /** Visitors: the conversation a Send without a conversation id goes to. */
  readonly primaryConversationId: string;
  /** Visitors: the site key of the session; a visitor sees conversations of this site only (issue 10). */
  readonly site: string;
  /** Visitors: the device's IANA time zone ('' unknown): the offline reply says when the team is back in it. */
  readonly timeZone?: string;
}

/** Extra fields of an Error frame. */
export interface ErrorExtra {
  /** The connection closes after the frame. */
  fatal?: boolean;
  /** What the error is about (a conversation id, a frame type). */
  ref?: string;
  /** When trying again may help, ms. */
  retryAfterMs?: number;
}

/** How to answer the caller. */
export interface Reply {
  /** Sends an Ack to the caller. */
  ack(ack: cs.v1.Ack.$Properties): void;
  /** Sends an Error frame to the caller (and closes its connection when `fatal`). */
  error(code: cs.v1.ErrorCode, message: string, extra?: ErrorExtra): void;
  /**
   * Runs `write` so that everything it sends to this caller leaves in one
   * network write (uWS cork) while the connection is open; runs it plainly
   * when it is gone (the fan-out to others still happens).
   */
  together(write: () => void): void;
}

/** How stored changes reach everyone else (DESIGN.md §3.6). */
export interface FanOut {
  /**
   * Pushes stored messages to every session watching the conversation
   * (visitors get notes as placeholders) and tells the inbox. `from`, when
   * given, is skipped: it got its Ack.
   */
  deliver(conversation: Conversation, messages: readonly StoredMessage[], from?: Reply): void;
  /** A conversation changed (status, assignee, preview): agents get a coalesced InboxUpdate. */
  inboxChanged(conversationId: string): void;
  /** The assignee changed: the new one's sessions watch the conversation, the previous one's stop unless they subscribed. */
  assigneeChanged(conversationId: string, previousId: string, nextId: string): void;
  /** How many agents have a session open now. */
  agentsOnline(): number;
}

/**
 * Makes a message durable: gives it the next seq, keeps it in memory at once
 * (so a concurrent duplicate finds it) and resolves once the store holds it.
 */
export interface MessageStore {
  /**
   * Gives the draft the next seq and keeps it in memory at once. The caller
   * acks and fans out only after `committed` resolved, or at once when it is
   * undefined (a store that keeps nothing owes no commit: no promise is made
   * on that path, issue 16). `committed` rejects with StoreUnavailableError
   * when the message could not be made durable (it is no longer kept).
   * @throws StoreUnavailableError at once while the disk refuses writes.
   */
  stage(conversation: Conversation, draft: MessageDraft): StagedMessage;
  /**
   * @returns the stored message with its seq and server time.
   * @throws StoreUnavailableError when it could not be made durable (nothing is kept).
   */
  storeMessage(conversation: Conversation, draft: MessageDraft): Promise<StoredMessage>;
  /** The durability promise of a message still being written, if any (a duplicate waits for it). */
  pendingWrite(conversation: Conversation, seq: number): Promise<void> | undefined;
}

/**
 * Uploaded files a message carries (DESIGN.md §11), implemented by files/.
 * Attachments are keyed by the message's conversation, sender and client
 * id, so the message itself stores nothing about them.
 */
export interface AttachmentPort {
  /**
   * Before the message is stored: binds the upload ids a Send names to it
   * (same conversation, same uploader, else refused with a reason) and gives
   * the kind the message gets. A Send naming no ids passes with `kind`.
   */
  claimForSend(conversationId: string, senderId: string, clientMsgId: string, ids: readonly string[], kind: cs.v1.MessageKind): { ok: true; kind: cs.v1.MessageKind } | { ok: false; reason: string };
  /** After the message is stored: its files are referenced (kept past the unreferenced-file clean-up). */
  messageStored(message: StoredMessage): void;
  /** The wire attachments of a stored message with freshly signed URLs (for participants only). */
  wireAttachments(message: StoredMessage): cs.v1.Attachment.$Properties[];
}

/** A message given its seq and kept in memory, with the commit it waits for. */
export interface StagedMessage {
  /** The conversation object it went into (the live one, see ConversationStore.live). */
  readonly conversation: Conversation;
  readonly message: StoredMessage;
  /** Resolves with the message once committed; undefined when no commit is owed. */
  readonly committed: Promise<StoredMessage> | undefined;
}

/** A message before it has a seq. */
export type MessageDraft = Omit<StoredMessage, 'seq' | 'conversationId' | 'serverTimeMs'>;

/** Staff accounts as the pipeline sees them (accounts/). */
export interface AgentDirectory {
  /** The account with this id: its display name and whether it may work; undefined when there is none. */
  account(agentId: string): { readonly name: string; readonly enabled: boolean } | undefined;
  /** True while an agent with this id has a session open (service tokens have no account). */
  isOnline(agentId: string): boolean;
}

/** The server-made texts in force for a visitor's language (settings, live). */
export interface BotTexts {
  readonly offline: string;
  /** The business hours' time zone (the offline reply names it when the visitor's is unknown). Default 'UTC'. */
  readonly timeZone?: string;
}

/**
 * Away mode and email continuity (email/, DESIGN.md §10) as the pipeline
 * sees them: whether anyone can answer, what the visitor can be promised,
 * and the events outbound email follows.
 */
export interface ContinuityPort {
  /** Nobody can answer now; `nextOpenMs` the next opening when known (else 0); `nowMs` the instant it was judged at (the hours' clock). */
  away(): { readonly away: boolean; readonly nextOpenMs: number; readonly nowMs?: number };
  /**
   * What may be said about email in this conversation: `known` the address
   * replies will be emailed to ('' none), `canAsk` true when the widget
   * offers the email field (email is on and none is known).
   */
  emailFor(conversation: Conversation): { readonly known: string; readonly canAsk: boolean };
  /** After any message is stored (agent replies are queued for email, a new conversation may alert agents). */
  messageStored(conversation: Conversation, message: StoredMessage): void;
  /** After a conversation was resolved (the transcript). */
  resolved(conversation: Conversation): void;
}

/** The counters the pipeline moves. */
export type PipelineMetrics = Pick<ServerMetrics, 'ack' | 'dedupHits' | 'sendToAck'>;

/** The settings the pipeline reads. */
export type PipelineOptions = Pick<ServerOptions, 'maxTextLength' | 'offlineReply' | 'offlineReplyEveryMs'>;

/** Everything a pipeline step may use, one instance per server. */
export interface PipelineDeps {
  readonly options: PipelineOptions;
  /** The in-memory conversations (the serving copy). */
  readonly conversations: ConversationStore;
  readonly messages: MessageStore;
  /** The durable store, for non-message records (status, assignment, cursors); failures are logged, not fatal. */
  readonly durable: Pick<DurableStore, 'append'>;
  readonly fanOut: FanOut;
  readonly attachments: AttachmentPort;
  readonly filter: WordFilter;
  /** Who may be assigned a conversation, and their names. */
  readonly agents: AgentDirectory;
  /** The bot's texts for a language tag (workbench > Settings). */
  botTexts(lang: string): BotTexts;
  /** Away mode and email (absent: away means no agent online, and nothing about email is said). */
  readonly continuity?: ContinuityPort;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
  /** Clock, ms since the epoch (injected for tests). */
  now(): number;
}
