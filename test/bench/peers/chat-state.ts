/**
 * The in-memory chat semantics both benchmark peers share, so that they do
 * the same work our server does per message: visitor tokens and agent tokens
 * signed with HMAC-SHA256, conversations keyed by site + visitor + topic, a
 * contiguous per-conversation seq, dedup by (conversation, sender,
 * client_msg_id), resume after a cursor, cumulative `Received` cursors, and
 * the coalesced inbox notices of DESIGN.md §3.6 (at most one per conversation
 * per agent session per interval).
 *
 * Transport, encoding and fan-out are each peer's own business: that is the
 * part the comparison measures.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Same numbers as cs.v1.Role; kept here so the Socket.IO peer needs no protobuf. */
export const PeerRole = { Visitor: 1, Agent: 2 } as const;
export type PeerRole = (typeof PeerRole)[keyof typeof PeerRole];

/** A stored message, field names as protobufjs camelCases them. */
export interface PeerMessage {
  conversationId: string;
  seq: number;
  clientMsgId: string;
  senderId: string;
  senderRole: number;
  senderName: string;
  kind: number;
  text: string;
  serverTimeMs: number;
  quoteSeq: number;
}

export interface PeerConversation {
  id: string;
  epoch: string;
  lastSeq: number;
  site: string;
  topic: string;
  visitorId: string;
  messages: PeerMessage[];
  /** `${senderId}\n${clientMsgId}` -> seq. */
  dedup: Map<string, number>;
}

export interface Identity {
  role: PeerRole;
  userId: string;
  /** Visitors: the token to keep. */
  token: string;
}

/** Longest text a Send may carry, characters (same cap as the server's default). */
export const MAX_TEXT = 4000;
/** Most messages one Sync or resume answer returns. */
export const SYNC_LIMIT = 200;

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/** Agent token per DESIGN.md §8: `<agent_id>.<base64url(HMAC-SHA256(secret, "agent:" + agent_id))>`. */
export function agentToken(secret: string, agentId: string): string {
  return `${agentId}.${b64url(createHmac('sha256', secret).update(`agent:${agentId}`).digest())}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type StoreResult =
  | { ok: true; seq: number; duplicate: boolean; message: PeerMessage | undefined }
  | { ok: false; reason: string };

/** A conversation as a Welcome or an inbox notice lists it. */
export interface ConversationInfo {
  id: string;
  epoch: string;
  lastSeq: number;
  site: string;
  topic: string;
  visitorId: string;
}

/** The listed fields of a conversation. */
export function conversationInfo(c: PeerConversation): ConversationInfo {
  return { id: c.id, epoch: c.epoch, lastSeq: c.lastSeq, site: c.site, topic: c.topic, visitorId: c.visitorId };
}

export class ChatState {
  readonly conversations = new Map<string, PeerConversation>();
  private readonly byKey = new Map<string, string>();
  /** Conversations with news since the last inbox flush. */
  private readonly dirty = new Set<string>();
  private nextConv = 1;
  private sessionIds = 0;

  constructor(private readonly secret: string) {}

  /** Verifies a Hello's token; a visitor with an empty token gets a new id and token. */
  authenticate(token: string): Identity | undefined {
    if (token === '') return this.newVisitor();
    if (token.startsWith('v.')) {
      const [, id, mac] = token.split('.');
      if (id && mac && safeEqual(mac, this.mac(`visitor:${id}`))) return { role: PeerRole.Visitor, userId: id, token };
      return undefined;
    }
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const id = token.slice(0, dot);
    return safeEqual(token, agentToken(this.secret, id)) ? { role: PeerRole.Agent, userId: id, token: '' } : undefined;
  }

  /**
   * What a Welcome carries for `who`: a visitor's conversation for site +
   * topic (also returned as `primary`, to join), or an agent's inbox (up to
   * 500 conversations with messages). Field names as protobufjs camelCases them.
   */
  welcome(who: Identity, hello: { site?: string | null; topic?: string | null; coreLevel?: number | null }): {
    welcome: Record<string, unknown> & { conversations: ConversationInfo[] };
    primary: PeerConversation | undefined;
  } {
    let primary: PeerConversation | undefined;
    const conversations: ConversationInfo[] = [];
    if (who.role === PeerRole.Visitor) {
      primary = this.conversationFor(String(hello.site ?? ''), who.userId, String(hello.topic ?? ''));
      conversations.push(conversationInfo(primary));
    } else {
      for (const c of this.conversations.values()) if (c.lastSeq > 0 && conversations.length < 500) conversations.push(conversationInfo(c));
    }
    const welcome = {
      sessionId: `s${++this.sessionIds}`,
      userId: who.userId,
      role: who.role,
      token: who.token,
      heartbeatMs: 25_000,
      coreLevel: hello.coreLevel ?? 0,
      conversations,
      serverTimeMs: Date.now(),
    };
    return { welcome, primary };
  }

  /** The visitor's conversation for site + topic, made on first sight. */
  conversationFor(site: string, visitorId: string, topic: string): PeerConversation {
    const key = `${site}\n${visitorId}\n${topic}`;
    const found = this.byKey.get(key);
    if (found) return this.conversations.get(found)!;
    const conv: PeerConversation = {
      id: `c${this.nextConv++}`,
      epoch: b64url(randomBytes(6)),
      lastSeq: 0,
      site,
      topic,
      visitorId,
      messages: [],
      dedup: new Map(),
    };
    this.conversations.set(conv.id, conv);
    this.byKey.set(key, conv.id);
    return conv;
  }

  /** May this identity see the conversation? */
  mayAccess(who: Identity, conv: PeerConversation): boolean {
    return who.role === PeerRole.Agent || conv.visitorId === who.userId;
  }

  /** Validate -> dedup -> seq -> store. */
  store(who: Identity, conversationId: string, clientMsgId: string, kind: number, text: string, quoteSeq: number): StoreResult {
    const conv = this.conversations.get(conversationId);
    if (!conv || !this.mayAccess(who, conv)) return { ok: false, reason: 'forbidden' };
    if (clientMsgId.length === 0 || clientMsgId.length > 64) return { ok: false, reason: 'bad client_msg_id' };
    if (text.length === 0 || text.length > MAX_TEXT) return { ok: false, reason: 'bad text length' };
    const key = `${who.userId}\n${clientMsgId}`;
    const old = conv.dedup.get(key);
    if (old !== undefined) return { ok: true, seq: old, duplicate: true, message: undefined };
    const message: PeerMessage = {
      conversationId,
      seq: ++conv.lastSeq,
      clientMsgId,
      senderId: who.userId,
      senderRole: who.role,
      senderName: '',
      kind,
      text,
      serverTimeMs: Date.now(),
      quoteSeq,
    };
    conv.messages.push(message);
    conv.dedup.set(key, message.seq);
    this.dirty.add(conversationId);
    return { ok: true, seq: message.seq, duplicate: false, message };
  }

  /** Messages with seq > afterSeq, oldest first, at most `limit`. */
  after(conv: PeerConversation, afterSeq: number, limit = SYNC_LIMIT): { messages: PeerMessage[]; hasMore: boolean } {
    const n = Math.min(limit, SYNC_LIMIT);
    // seq k sits at index k - 1: no search needed.
    const messages = conv.messages.slice(afterSeq, afterSeq + n);
    return { messages, hasMore: afterSeq + n < conv.messages.length };
  }

  /** Takes the conversations that changed since the last call (for inbox notices). */
  takeDirty(): PeerConversation[] {
    const out: PeerConversation[] = [];
    for (const id of this.dirty) out.push(this.conversations.get(id)!);
    this.dirty.clear();
    return out;
  }

  private newVisitor(): Identity {
    const id = `v${b64url(randomBytes(9))}`;
    return { role: PeerRole.Visitor, userId: id, token: `v.${id}.${this.mac(`visitor:${id}`)}` };
  }

  private mac(data: string): string {
    return b64url(createHmac('sha256', this.secret).update(data).digest());
  }
}

/** Inbox notice interval, ms (DESIGN.md §3.6: about a second). */
export const INBOX_INTERVAL_MS = 1000;
/** Most InboxUpdates in one InboxBatch frame (as our server: server/src/gateway/notices.ts). */
export const INBOX_BATCH_MAX = 200;

/**
 * How a peer tells agents about new messages. `coalesced` (the default, the
 * fair comparison): as our server does (DESIGN.md §3.6), once per changed
 * conversation per interval, to every agent session, as one InboxBatch frame
 * per interval to the agents whose Hello asked for it (`inbox_batch`), one
 * InboxUpdate each to the others; every frame encoded once for all of them.
 * `per-message` (`PEER_INBOX=per-message`, the labelled extra
 * `…+per-msg-inbox` targets): one InboxUpdate per message to every agent not
 * in the conversation's room — what a naive chat server does, and what the
 * first comparison measured.
 */
export const InboxMode = { Coalesced: 'coalesced', PerMessage: 'per-message' } as const;
export type InboxMode = (typeof InboxMode)[keyof typeof InboxMode];

/** The inbox mode this peer process runs in (`PEER_INBOX`). */
export function inboxMode(): InboxMode {
  return process.env.PEER_INBOX === InboxMode.PerMessage ? InboxMode.PerMessage : InboxMode.Coalesced;
}

/** An InboxUpdate of a conversation (field names as protobufjs camelCases them). */
export interface PeerInboxUpdate {
  conversation: ConversationInfo;
  preview: string;
  unread: number;
}

/** The InboxUpdate of a conversation: its listed fields and the last message's first 80 characters. */
export function inboxUpdateOf(conv: PeerConversation): PeerInboxUpdate {
  const last = conv.messages[conv.messages.length - 1];
  return { conversation: conversationInfo(conv), preview: last ? last.text.slice(0, 80) : '', unread: 0 };
}

/** `list` in slices of at most `size` (InboxBatch frames). */
export function chunked<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Port and secret from the environment, as the bench starts every server. */
export function peerSettings(): { port: number; host: string; secret: string } {
  const port = Number(process.env.PORT ?? '0');
  const host = process.env.HOST ?? '127.0.0.1';
  const secret = process.env.CS_SECRET ?? 'bench-secret';
  return { port, host, secret };
}
