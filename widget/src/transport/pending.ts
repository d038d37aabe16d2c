/**
 * Outbox entries as pending timeline items and as IndexedDB records. Pure,
 * and free of the protobuf module, so the upload code (loaded on first use)
 * shares it without pulling the codec in.
 */
import { OutboxState, type OutboxEntry, type OutgoingMessage } from '../core/index.js';
import { MessageState, type MessageKind, type Role, type TimelineItem } from '../core/types.js';
import type { OutboxRecord } from '../store/index.js';

/**
 * An own message not acked yet, as the sender's timeline shows it. Its file
 * is added by the upload code (file-outbox.ts), with the local preview and
 * the progress.
 */
export function pendingItem(message: OutgoingMessage, state: MessageState, sender: { readonly userId: string; readonly role: Role }, error?: string): TimelineItem {
  return {
    key: message.clientMsgId,
    conversationId: message.conversationId,
    seq: 0,
    clientMsgId: message.clientMsgId,
    senderId: sender.userId,
    senderRole: sender.role,
    senderName: '',
    kind: message.kind as MessageKind,
    text: message.text,
    quoteSeq: message.quoteSeq,
    quickReplies: [],
    timeMs: message.createdMs,
    own: true,
    state,
    error,
  };
}

/** How a pending item shows an outbox entry: failed, or still sending. */
export function pendingState(entry: OutboxEntry): MessageState {
  return entry.state === OutboxState.Failed ? MessageState.Failed : MessageState.Sending;
}

/** An outbox entry as its IndexedDB record, lease released. */
export function outboxRecord(entry: OutboxEntry): OutboxRecord {
  const { clientMsgId, conversationId, kind, text, quoteSeq, createdMs, attachment } = entry;
  return { clientMsgId, conversationId, kind, text, quoteSeq, createdMs, attachment, failed: entry.state === OutboxState.Failed, error: entry.error, owner: '', leaseUntilMs: 0 };
}

