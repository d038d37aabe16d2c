/**
 * Coalesced notices (DESIGN.md §3.6): inbox updates and read/delivered
 * receipts, at most one per conversation per interval with the latest state,
 * and presence (agents online, visitor online). Each notice is encoded once
 * and published to a topic, so uWS fans the same bytes out to every session.
 */
import { cs } from '../../../proto/gen/chat.js';
import { toInboxUpdate, toWireConversation } from '../pipeline/wire.js';
import type { Conversation, ConversationStore, Side } from '../store/conversations.js';
import type { Outbound } from './outbound.js';
import type { PresenceSink, Registry } from './registry.js';
import type { Socket } from './session.js';
import { INBOX_BATCH_TOPIC, INBOX_TOPIC, INBOX_UPDATES_TOPIC, PRESENCE_TOPIC, VISITOR_PRESENCE_TOPIC } from './topics.js';
import { KeyedThrottle } from './throttle.js';

/** Most InboxUpdates in one InboxBatch frame (keeps a frame well under the backpressure limit). */
export const INBOX_BATCH_MAX = 200;

/**
 * InboxUpdates copied to agent sockets in one event-loop turn (updates ×
 * agent sessions, about 200 bytes each): the coalesced notices of a busy
 * interval go out in slices of this much fan-out, one turn each, so Sends
 * and Acks are served between them (issue 16). 200 agents: 25 updates a
 * slice; 3 agents: up to 200 (one frame).
 */
export const INBOX_FANOUT_PER_TURN = 5000;

/** Receipts published in one event-loop turn (each to the few sessions of one conversation). */
export const RECEIPTS_PER_TURN = 64;

/** Fewest updates in one slice, however many agents are online (a frame carries its own overhead). */
const INBOX_SLICE_MIN = 8;

/**
 * The frames that carry `updates`: one InboxUpdate frame each, or (`batch`,
 * Hello.inbox_batch) InboxBatch frames of at most `INBOX_BATCH_MAX` updates.
 */
export function inboxFrames(updates: readonly cs.v1.InboxUpdate.$Properties[], batch: boolean): cs.v1.Frame.$Properties[] {
  if (!batch) return updates.map((inboxUpdate) => ({ inboxUpdate }));
  const frames: cs.v1.Frame.$Properties[] = [];
  for (let i = 0; i < updates.length; i += INBOX_BATCH_MAX) frames.push({ inboxBatch: { updates: updates.slice(i, i + INBOX_BATCH_MAX) } });
  return frames;
}

/** Away mode and visitors' emails, as the notices show them (email/service.ts). */
export interface NoticeContinuity {
  /** Online agents who did not set away (what visitors are told as agents_online). */
  availableAgents(): number;
  /** Away and the next opening, for visitors. */
  away(): { away: boolean; nextOpenMs: number };
  /** The email known for a conversation and whether replies will be emailed. */
  wireFields(conversation: Conversation): { contactEmail: string; willEmail: boolean };
}

export class Notices implements PresenceSink {
  private continuity: NoticeContinuity | undefined;
  private readonly inboxThrottle: KeyedThrottle;
  private readonly receiptThrottle: KeyedThrottle;

  constructor(
    private readonly store: ConversationStore,
    private readonly registry: Registry,
    private readonly out: Outbound,
    coalesceMs: number,
  ) {
    this.inboxThrottle = new KeyedThrottle(coalesceMs, (ids) => this.publishInboxUpdates(ids), Date.now, () => this.inboxSlice());
    this.receiptThrottle = new KeyedThrottle(
      coalesceMs,
      (keys) => {
        for (const key of keys) this.publishReceipt(key);
      },
      Date.now,
      () => RECEIPTS_PER_TURN,
    );
  }

  /** Sets where away state and contact emails come from. */
  useContinuity(continuity: NoticeContinuity): void {
    this.continuity = continuity;
  }

  /**
   * What a visitor is told about who can answer: `agentsOnline` counts the
   * agents who can answer now (0 outside business hours, away agents not
   * counted), so away is `agentsOnline === 0`; `nextOpenMs` the next
   * opening when away outside hours (else 0).
   */
  visitorAvailability(): { agentsOnline: number; nextOpenMs: number } {
    if (!this.continuity) return { agentsOnline: this.registry.agentsOnline(), nextOpenMs: 0 };
    const { away, nextOpenMs } = this.continuity.away();
    return { agentsOnline: away ? 0 : this.continuity.availableAgents(), nextOpenMs };
  }

  /** Stops the coalescing timers. */
  dispose(): void {
    this.inboxThrottle.dispose();
    this.receiptThrottle.dispose();
  }

  /** A conversation changed: every agent gets one InboxUpdate per interval with the latest state. */
  inboxChanged(conversationId: string): void {
    this.inboxThrottle.touch(conversationId);
  }

  /** A cursor of `side` moved: the other side gets one Receipt per interval with the latest cursors. */
  receiptChanged(conversationId: string, side: Side): void {
    this.receiptThrottle.touch(`${side}\n${conversationId}`);
  }

  /** A conversation as the wire carries it to agents (visitor details, online state). */
  wireConversation(conversation: Conversation): cs.v1.Conversation.$Properties {
    const wire = toWireConversation(conversation, this.store.visitors.get(conversation.visitorId), this.registry.isVisitorOnline(conversation.visitorId));
    if (this.continuity) wire.contactEmail = this.continuity.wireFields(conversation).contactEmail;
    return wire;
  }

  /** The InboxUpdate of a conversation: its summary, preview and unread count. */
  inboxUpdate(conversation: Conversation): cs.v1.InboxUpdate.$Properties {
    const update = toInboxUpdate(conversation, this.wireConversation(conversation));
    if (this.continuity?.wireFields(conversation).willEmail) update.willEmail = true;
    return update;
  }

  /** Sends one agent socket the inbox notices of `conversations`, in the form its Hello asked for. */
  sendInbox(ws: Socket, conversations: readonly Conversation[]): void {
    const updates = conversations.map((c) => this.inboxUpdate(c));
    for (const frame of inboxFrames(updates, ws.getUserData().session.inboxBatch)) this.out.send(ws, frame);
  }

  /** Conversations whose notices go out in one turn: `INBOX_FANOUT_PER_TURN` over the agent sessions listening. */
  private inboxSlice(): number {
    const agents = this.out.subscribers(INBOX_BATCH_TOPIC) + this.out.subscribers(INBOX_UPDATES_TOPIC);
    return Math.min(INBOX_BATCH_MAX, Math.max(INBOX_SLICE_MIN, Math.floor(INBOX_FANOUT_PER_TURN / Math.max(1, agents))));
  }

  /** One notice per conversation, published once for every agent session of each form. */
  private publishInboxUpdates(conversationIds: readonly string[]): void {
    const updates: cs.v1.InboxUpdate.$Properties[] = [];
    for (const id of conversationIds) {
      const conversation = this.store.get(id);
      if (conversation && conversation.servedSeq > 0) updates.push(this.inboxUpdate(conversation));
    }
    if (updates.length === 0) return;
    for (const [topic, batch] of [[INBOX_BATCH_TOPIC, true], [INBOX_UPDATES_TOPIC, false]] as const) {
      if (this.out.subscribers(topic) === 0) continue;
      for (const frame of inboxFrames(updates, batch)) this.out.publish(undefined, topic, frame);
    }
  }

  private publishReceipt(key: string): void {
    const [side, conversationId] = key.split('\n') as [Side, string];
    const conversation = this.store.get(conversationId);
    if (!conversation) return;
    const receipt: cs.v1.Frame.$Properties = {
      receipt: {
        conversationId,
        readerRole: side === 'visitor' ? cs.v1.Role.VISITOR : cs.v1.Role.AGENT,
        deliveredUpTo: conversation.deliveredUpTo[side],
        readUpTo: conversation.readUpTo[side],
      },
    };
    this.out.toSide(undefined, side === 'visitor' ? 'a' : 'v', conversationId, receipt);
  }

  /** The set of online agents changed: agents get the new list, visitors only how many (issue 10). */
  agentsChanged(): void {
    const agentIds = this.registry.onlineAgents();
    this.out.publish(undefined, PRESENCE_TOPIC, { presence: { agentsOnline: agentIds.length, agentIds } });
    this.out.publish(undefined, VISITOR_PRESENCE_TOPIC, { presence: this.visitorAvailability() });
  }

  /**
   * A visitor came online or left: agents get a presence frame and the
   * inbox notices of the visitor's conversations — only when agents can see
   * one (it has a message; an inbox lists nothing else). Most visitors open
   * a page with the widget and never write: each one's coming and going
   * would otherwise cost a frame to every agent (10,000 idle widgets
   * connecting made 2 million frames for 200 agents; issue 16).
   */
  visitorChanged(visitorId: string, online: boolean): void {
    const seen = this.store.ofVisitor(visitorId).filter((conversation) => conversation.servedSeq > 0);
    if (seen.length === 0) return;
    this.out.publish(undefined, INBOX_TOPIC, { presence: { agentsOnline: this.registry.agentsOnline(), visitorId, visitorOnline: online } });
    for (const conversation of seen) this.inboxChanged(conversation.id);
  }
}
