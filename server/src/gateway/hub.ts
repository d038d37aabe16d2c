/**
 * The hub: the gateway's parts for one server, wired together — who is
 * connected (registry.ts), how frames leave (outbound.ts), coalesced notices
 * and presence (notices.ts), re-push (repush.ts) — and the pipeline's
 * `FanOut` port on top of them.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { cs } from '../../../proto/gen/chat.js';
import type { ServerMetrics } from '../http/metrics.js';
import type { ServerOptions } from '../options.js';
import type { FanOut, Reply } from '../pipeline/ports.js';
import type { Conversation, ConversationStore, StoredMessage } from '../store/conversations.js';
import { Notices } from './notices.js';
import type { AttachmentLookup } from '../pipeline/wire.js';
import { Outbound } from './outbound.js';
import { Registry } from './registry.js';
import { Repush } from './repush.js';
import { SocketReply } from './reply.js';
import { StreamTopics } from './stream-connection.js';

export class Hub implements FanOut {
  readonly registry = new Registry();
  /** The HTTP streams subscribed to each topic (uWS's topics hold only WebSockets). */
  readonly streams = new StreamTopics();
  readonly out: Outbound;
  readonly notices: Notices;
  readonly repush: Repush;

  /** @param attachments the files of a message with fresh signed URLs (files/), for Deliver frames. */
  constructor(store: ConversationStore, metrics: ServerMetrics, options: ServerOptions, log: Logger, now: () => number, attachments?: AttachmentLookup) {
    this.out = new Outbound(this.registry, metrics, options, attachments, this.streams);
    this.notices = new Notices(store, this.registry, this.out, options.coalesceMs);
    this.registry.reportPresenceTo(this.notices);
    this.repush = new Repush(store, this.out, metrics, options, log, now);
  }

  attach(app: TemplatedApp): void {
    this.out.attach(app);
  }

  /**
   * Closes every session with Error GOING_AWAY. Presence changes are not
   * published while they close: each leaving session would otherwise tell
   * all the others (N² frames for N sessions, seconds of a restart).
   */
  shutdown(reason: string): void {
    this.registry.shuttingDown = true;
    for (const ws of [...this.registry.sockets]) this.out.sendError(ws, cs.v1.ErrorCode.GOING_AWAY, reason, { fatal: true, retryAfterMs: 1000 });
  }

  /** Stops timers. */
  dispose(): void {
    this.repush.dispose();
    this.notices.dispose();
  }

  // ---- the pipeline's FanOut port -------------------------------------------

  deliver(conversation: Conversation, messages: readonly StoredMessage[], from?: Reply): void {
    this.out.deliver(from instanceof SocketReply ? from.ws : undefined, conversation, messages);
    this.notices.inboxChanged(conversation.id);
  }

  inboxChanged(conversationId: string): void {
    this.notices.inboxChanged(conversationId);
  }

  assigneeChanged(conversationId: string, previousId: string, nextId: string): void {
    this.registry.reassign(conversationId, previousId, nextId);
  }

  agentsOnline(): number {
    return this.registry.agentsOnline();
  }
}
