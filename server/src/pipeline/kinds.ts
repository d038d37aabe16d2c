/**
 * Message kinds and the client core level each needs (DESIGN.md §4). A
 * client whose `Hello.core_level` is below a kind's level receives that kind
 * downgraded to TEXT, so an old app shows something readable instead of
 * nothing.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { StoredMessage } from '../store/conversations.js';
import { eventKindOf, visitorEventText } from './events.js';

/** The server's own core level (Welcome.core_level). Clients at or above it render every kind. */
export const SERVER_CORE_LEVEL = 20260101;

/** Lowest core level that renders each kind natively. */
const KIND_MIN_LEVEL: Readonly<Record<number, number>> = {
  [cs.v1.MessageKind.TEXT]: 0,
  [cs.v1.MessageKind.EVENT]: 0,
  [cs.v1.MessageKind.NOTE]: 0,
  [cs.v1.MessageKind.IMAGE]: SERVER_CORE_LEVEL,
  [cs.v1.MessageKind.QUICK_REPLIES]: SERVER_CORE_LEVEL,
};

/** True when a client at `coreLevel` renders every kind this server sends. */
export function rendersAllKinds(coreLevel: number): boolean {
  return coreLevel >= SERVER_CORE_LEVEL;
}

/** True when a client at `coreLevel` gets `kind` downgraded to TEXT. */
export function downgradesBelow(kind: cs.v1.MessageKind, coreLevel: number): boolean {
  return coreLevel < (KIND_MIN_LEVEL[kind] ?? SERVER_CORE_LEVEL);
}

/** True when `kind` is a MessageKind this server knows. */
export function isKnownKind(kind: number): boolean {
  return kind in KIND_MIN_LEVEL;
}

/** The message as a wire `Message`, downgraded for `coreLevel` when it cannot render the kind. */
export function toWireMessage(message: StoredMessage, coreLevel: number): cs.v1.Message.$Properties {
  const wire: cs.v1.Message.$Properties = {
    conversationId: message.conversationId,
    seq: message.seq,
    clientMsgId: message.clientMsgId,
    senderId: message.senderId,
    senderRole: message.senderRole,
    senderName: message.senderName,
    kind: message.kind,
    text: message.text,
    serverTimeMs: message.serverTimeMs,
    quoteSeq: message.quoteSeq,
    quickReplies: [...message.quickReplies],
  };
  if (message.kind === cs.v1.MessageKind.EVENT) wire.event = eventKindOf(message);
  if (!downgradesBelow(message.kind, coreLevel)) return wire;
  const options = message.quickReplies.length > 0 ? `\n${message.quickReplies.join(' / ')}` : '';
  return { ...wire, kind: cs.v1.MessageKind.TEXT, text: message.text + options, quickReplies: [] };
}

/**
 * What a visitor receives for a message. A NOTE (agents only) becomes a
 * content-free placeholder: same seq, kind NOTE, no text, no sender. Its
 * content never reaches the visitor, yet the visitor's seq stays contiguous,
 * so the client's gap repair (DESIGN.md §3.7) does not chase a hole forever.
 * Clients show nothing for a NOTE. An EVENT becomes its customer-facing line
 * (no agent id), or the same placeholder when it is internal workflow
 * (see events.ts).
 */
export function forVisitor(message: StoredMessage): StoredMessage {
  if (message.kind === cs.v1.MessageKind.EVENT) {
    const text = visitorEventText(message);
    if (text) return { ...message, senderId: '', text };
  } else if (message.kind !== cs.v1.MessageKind.NOTE) {
    return message;
  }
  return {
    conversationId: message.conversationId,
    seq: message.seq,
    clientMsgId: `note-${message.seq}`,
    senderId: '',
    senderRole: cs.v1.Role.SYSTEM,
    senderName: '',
    kind: cs.v1.MessageKind.NOTE,
    text: '',
    serverTimeMs: message.serverTimeMs,
    quoteSeq: 0,
    quickReplies: [],
  };
}
