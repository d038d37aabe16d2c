/**
 * Wire <-> item mapping, pure: protobuf messages and conversations into the
 * plain `TimelineItem` / `ConversationInfo` the elements render, outbox
 * entries into pending items and IndexedDB records. No state, no I/O.
 */
import { cs } from '../../../proto/gen/chat.js';
import { OutboxState, itemKey, type OutboxEntry, type OutgoingMessage } from '../core/index.js';
import { MessageState, type ConversationInfo, type MessageKind, type Role, type SessionOptions, type TimelineItem } from '../core/types.js';
import type { OutboxRecord } from '../store/index.js';

/** The wire role of a session's user. */
export function roleOf(role: SessionOptions['role']): Role {
  return role === 'agent' ? cs.v1.Role.AGENT : cs.v1.Role.VISITOR;
}

/** A server message as a timeline item; `own` when `userId` sent it. */
export function toItem(m: cs.v1.Message.$Properties, userId: string): TimelineItem {
  const conversationId = m.conversationId ?? '';
  const seq = m.seq ?? 0;
  const senderId = m.senderId ?? '';
  return {
    key: itemKey(conversationId, m.clientMsgId ?? '', seq),
    conversationId,
    seq,
    clientMsgId: m.clientMsgId ?? '',
    senderId,
    senderRole: m.senderRole ?? cs.v1.Role.ROLE_UNSPECIFIED,
    senderName: m.senderName ?? '',
    kind: m.kind ?? cs.v1.MessageKind.TEXT,
    text: m.text ?? '',
    quoteSeq: m.quoteSeq ?? 0,
    quickReplies: [...(m.quickReplies ?? [])],
    timeMs: m.serverTimeMs ?? 0,
    own: !!senderId && senderId === userId,
    state: MessageState.Sent,
  };
}

/** An own message not acked yet, as the sender's timeline shows it. */
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
  const { clientMsgId, conversationId, kind, text, quoteSeq, createdMs } = entry;
  return { clientMsgId, conversationId, kind, text, quoteSeq, createdMs, failed: entry.state === OutboxState.Failed, error: entry.error, owner: '', leaseUntilMs: 0 };
}

/**
 * A wire conversation as the info the lists show. The preview (and who wrote
 * it) and `unread` come with InboxUpdate; otherwise the previous info's (or
 * `fallbackPreview()`, the last message held) are kept.
 */
export function toInfo(
  c: cs.v1.Conversation.$Properties,
  previous: ConversationInfo | undefined,
  fallbackPreview: () => string,
  update?: cs.v1.InboxUpdate.$Properties,
): ConversationInfo {
  // An InboxUpdate carries the preview, who wrote it and the unread count; without one the previous info's stay.
  const from: Pick<cs.v1.InboxUpdate.$Properties, 'previewSenderId' | 'previewSenderRole' | 'previewNote' | 'unread'> | undefined = update ?? previous;
  return {
    id: c.id ?? '',
    epoch: c.epoch ?? '',
    lastSeq: c.lastSeq ?? 0,
    site: c.site ?? '',
    topic: c.topic ?? '',
    visitorId: c.visitorId ?? '',
    status: c.status ?? cs.v1.ConversationStatus.OPEN,
    assigneeId: c.assigneeId ?? '',
    visitorUserId: c.visitorUserId ?? '',
    visitorName: c.visitorName ?? '',
    visitorEmail: c.visitorEmail ?? '',
    visitorOnline: c.visitorOnline ?? false,
    visitorPageUrl: c.visitorPageUrl ?? '',
    visitorPageTitle: c.visitorPageTitle ?? '',
    platform: c.platform ?? '',
    appVersion: c.appVersion ?? '',
    createdMs: c.createdMs ?? 0,
    lastActivityMs: c.lastActivityMs ?? 0,
    preview: update ? (update.preview ?? '') : (previous?.preview ?? fallbackPreview()),
    previewSenderId: from?.previewSenderId ?? '',
    previewSenderRole: from?.previewSenderRole ?? 0, // ROLE_UNSPECIFIED
    previewNote: !!from?.previewNote,
    unread: from?.unread ?? 0,
    contactEmail: c.contactEmail ?? '',
    willEmail: update ? !!update.willEmail : !!previous?.willEmail,
  };
}
