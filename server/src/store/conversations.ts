/**
 * Conversations in memory: the serving copy (DESIGN.md §5). A conversation is
 * keyed by site + visitor + topic; its id is derived from that key, so the
 * same visitor always lands on the same line. Each conversation has a random
 * epoch (a restart without journal changes it, §3.9), a contiguous seq, the
 * dedup map `(sender, client_msg_id) -> seq` (§3.4) and read/delivered
 * cursors per side. Pure data: no sockets, no journal I/O; `apply` rebuilds it
 * from journal records and `snapshot` yields records that rebuild it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cs } from '../../../proto/gen/chat.js';
import type { JournalRecord } from './journal-types.js';

/** One stored message. Plain data, never mutated once stored. */
export interface StoredMessage {
  readonly conversationId: string;
  readonly seq: number;
  readonly clientMsgId: string;
  readonly senderId: string;
  readonly senderRole: cs.v1.Role;
  readonly senderName: string;
  readonly kind: cs.v1.MessageKind;
  readonly text: string;
  readonly serverTimeMs: number;
  readonly quoteSeq: number;
  readonly quickReplies: readonly string[];
}

/** Which side of a conversation a cursor belongs to. */
export type Side = 'visitor' | 'agent';

/** A visitor's verified identity (from Hello.identity). */
export interface VisitorProfile {
  readonly visitorId: string;
  readonly userId: string;
  readonly name: string;
  readonly email: string;
}

/** One conversation ("message line"). */
export class Conversation {
  readonly messages: StoredMessage[] = [];
  /** `${senderId}\n${clientMsgId}` -> seq; made with the first message (most idle visitors never write). */
  private dedup: Map<string, number> | undefined;
  /** Visitor messages among seq 1..i+1 at index i (unread counts without a scan). */
  private readonly visitorCountAt: number[] = [];
  status: cs.v1.ConversationStatus = cs.v1.ConversationStatus.OPEN;
  assigneeId = '';
  /** Highest seq each side has shown (Read). */
  readonly readUpTo: Record<Side, number> = { visitor: 0, agent: 0 };
  /** Highest seq a session of each side confirmed (Received). */
  readonly deliveredUpTo: Record<Side, number> = { visitor: 0, agent: 0 };
  lastActivityMs: number;
  visitorPageUrl = '';
  visitorPageTitle = '';
  platform = '';
  appVersion = '';
  /** True once the `conv` record went to the journal (it is written with the first message). */
  journaled = false;
  /** When the last offline auto-reply was posted, ms. */
  lastOfflineReplyMs = 0;

  constructor(
    readonly id: string,
    readonly site: string,
    readonly visitorId: string,
    readonly topic: string,
    readonly epoch: string,
    readonly createdMs: number,
  ) {
    this.lastActivityMs = createdMs;
  }

  /** Seq of the newest message; 0 when empty. */
  get lastSeq(): number {
    return this.messages.length;
  }

  /** The message with this seq, if stored. */
  message(seq: number): StoredMessage | undefined {
    return this.messages[seq - 1];
  }

  /** Seq stored earlier for this (sender, client_msg_id), or 0. */
  findDuplicate(senderId: string, clientMsgId: string): number {
    return this.dedup?.get(dedupKey(senderId, clientMsgId)) ?? 0;
  }

  /** Appends a message with the next seq. The caller built it with `seq === lastSeq + 1`. */
  append(message: StoredMessage): void {
    if (message.seq !== this.lastSeq + 1) throw new Error(`seq ${message.seq} does not follow ${this.lastSeq} in ${this.id}`);
    this.messages.push(message);
    this.visitorCountAt.push(this.visitorCount(message.seq - 1) + (message.senderRole === cs.v1.Role.VISITOR ? 1 : 0));
    (this.dedup ??= new Map()).set(dedupKey(message.senderId, message.clientMsgId), message.seq);
    this.lastActivityMs = Math.max(this.lastActivityMs, message.serverTimeMs);
  }

  /** Drops every message from `seq` on (a journal write failed: they were never acked). */
  truncateFrom(seq: number): StoredMessage[] {
    const removed = this.messages.splice(seq - 1);
    this.visitorCountAt.splice(seq - 1);
    for (const message of removed) this.dedup?.delete(dedupKey(message.senderId, message.clientMsgId));
    return removed;
  }

  /** Visitor messages after the agents' read cursor. */
  unreadForAgents(): number {
    return this.visitorCount(this.lastSeq) - this.visitorCount(Math.min(this.readUpTo.agent, this.lastSeq));
  }

  /** Visitor messages with seq 1..`seq`. */
  private visitorCount(seq: number): number {
    return seq > 0 ? (this.visitorCountAt[seq - 1] ?? 0) : 0;
  }
}

function dedupKey(senderId: string, clientMsgId: string): string {
  return `${senderId}\n${clientMsgId}`;
}

/** The deterministic conversation id for site + visitor + topic. */
export function conversationIdFor(site: string, visitorId: string, topic: string): string {
  const digest = createHash('sha256').update(`${site}\u0000${visitorId}\u0000${topic}`).digest('base64url');
  return `c_${digest.slice(0, 22)}`;
}

/** Every conversation, plus visitor profiles and known agents. */
export class ConversationStore {
  private readonly byId = new Map<string, Conversation>();
  private readonly byVisitor = new Map<string, Conversation[]>();
  readonly visitors = new Map<string, VisitorProfile>();
  /** Agent ids seen (sign-ins and assignments), for transfer lists. */
  readonly agentIds = new Set<string>();

  get(id: string): Conversation | undefined {
    return this.byId.get(id);
  }

  /** The visitor's conversations, newest activity first. */
  ofVisitor(visitorId: string): Conversation[] {
    return [...(this.byVisitor.get(visitorId) ?? [])].sort((a, b) => b.lastActivityMs - a.lastActivityMs);
  }

  /** Conversations with at least one message, newest activity first (the agents' inbox). */
  inbox(limit: number): Conversation[] {
    const list: Conversation[] = [];
    for (const conversation of this.byId.values()) if (conversation.lastSeq > 0) list.push(conversation);
    return list.sort((a, b) => b.lastActivityMs - a.lastActivityMs).slice(0, limit);
  }

  /** The conversation for site + visitor + topic, made (with a fresh random epoch) if new. */
  getOrCreate(site: string, visitorId: string, topic: string, nowMs: number): { conversation: Conversation; created: boolean } {
    const id = conversationIdFor(site, visitorId, topic);
    const existing = this.byId.get(id);
    if (existing) return { conversation: existing, created: false };
    const conversation = new Conversation(id, site, visitorId, topic, randomBytes(6).toString('base64url'), nowMs);
    this.add(conversation);
    return { conversation, created: true };
  }

  private add(conversation: Conversation): void {
    this.byId.set(conversation.id, conversation);
    const list = this.byVisitor.get(conversation.visitorId);
    if (list) list.push(conversation);
    else this.byVisitor.set(conversation.visitorId, [conversation]);
  }

  /** Rebuilds state from one journal record (replay at start). Unknown conversations are skipped. */
  apply(record: JournalRecord): void {
    switch (record.t) {
      case 'conv': {
        if (this.byId.has(record.id)) return;
        const conversation = new Conversation(record.id, record.site, record.visitorId, record.topic, record.epoch, record.createdMs);
        conversation.journaled = true;
        this.add(conversation);
        return;
      }
      case 'msg': {
        const conversation = this.byId.get(record.conversationId);
        if (!conversation || record.seq !== conversation.lastSeq + 1) return;
        conversation.append({ ...record, quickReplies: [...record.quickReplies] });
        return;
      }
      case 'status': {
        const conversation = this.byId.get(record.conversationId);
        if (conversation) conversation.status = record.status;
        return;
      }
      case 'assign': {
        const conversation = this.byId.get(record.conversationId);
        if (conversation) conversation.assigneeId = record.assigneeId;
        if (record.assigneeId) this.agentIds.add(record.assigneeId);
        return;
      }
      case 'visitor':
        this.visitors.set(record.visitorId, { ...record });
        return;
      case 'read': {
        const conversation = this.byId.get(record.conversationId);
        const side: Side = record.role === cs.v1.Role.VISITOR ? 'visitor' : 'agent';
        if (conversation) conversation.readUpTo[side] = Math.max(conversation.readUpTo[side], record.upToSeq);
        return;
      }
    }
  }

  /** Records that rebuild the store as it is now (journal compaction). */
  *snapshot(): Iterable<JournalRecord> {
    for (const profile of this.visitors.values()) yield { t: 'visitor', ...profile };
    for (const c of this.byId.values()) {
      if (!c.journaled) continue;
      yield { t: 'conv', id: c.id, site: c.site, visitorId: c.visitorId, topic: c.topic, epoch: c.epoch, createdMs: c.createdMs };
      for (const m of c.messages) yield { t: 'msg', ...m, quickReplies: [...m.quickReplies] };
      if (c.status !== cs.v1.ConversationStatus.OPEN) yield { t: 'status', conversationId: c.id, status: c.status, atMs: c.lastActivityMs };
      if (c.assigneeId) yield { t: 'assign', conversationId: c.id, assigneeId: c.assigneeId, atMs: c.lastActivityMs };
      if (c.readUpTo.visitor) yield { t: 'read', conversationId: c.id, role: cs.v1.Role.VISITOR, upToSeq: c.readUpTo.visitor };
      if (c.readUpTo.agent) yield { t: 'read', conversationId: c.id, role: cs.v1.Role.AGENT, upToSeq: c.readUpTo.agent };
    }
  }
}
