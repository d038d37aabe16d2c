/**
 * Wire mapping: how stored state leaves the server as protobuf properties
 * (messages, conversations, inbox notices). Pure functions, so every frame
 * that carries a message or a conversation builds it the same way.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation, StoredMessage, VisitorProfile } from '../store/conversations.js';
import { eventKindOf, visitorEventText } from './events.js';
import { ATTACHMENTS_CORE_LEVEL, downgradesBelow } from './kinds.js';
import { previewFields } from './preview.js';

/** The files a stored message carries, as wire attachments with fresh signed URLs (the AttachmentPort's lookup). */
export type AttachmentLookup = (message: StoredMessage) => cs.v1.Attachment.$Properties[];

const NO_ATTACHMENTS: AttachmentLookup = () => [];

/**
 * The message as a wire `Message`, downgraded for `coreLevel` when it cannot
 * render the kind. `attachments` fills `Message.attachments`; pass it only
 * for frames that go to participants of the conversation (its URLs are
 * capabilities).
 */
export function toWireMessage(message: StoredMessage, coreLevel: number, attachments: AttachmentLookup = NO_ATTACHMENTS): cs.v1.Message.$Properties {
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
    // Encoding only reads it, and a stored message is never changed: no copy per Deliver.
    quickReplies: message.quickReplies as string[],
  };
  if (message.kind === cs.v1.MessageKind.EVENT) wire.event = eventKindOf(message);
  const files = attachments(message);
  if (files.length > 0) {
    if (coreLevel < ATTACHMENTS_CORE_LEVEL) {
      const names = files.map((file) => `[${file.name}]`).join(' ');
      return { ...wire, kind: cs.v1.MessageKind.TEXT, text: message.text ? `${message.text}\n${names}` : names };
    }
    wire.attachments = files;
  }
  if (!downgradesBelow(message.kind, coreLevel)) return wire;
  const options = message.quickReplies.length > 0 ? `\n${message.quickReplies.join(' / ')}` : '';
  return { ...wire, kind: cs.v1.MessageKind.TEXT, text: message.text + options, quickReplies: [] };
}

/**
 * A message as a visitor's wire `Message`: `forVisitor`'s view (event lines
 * in the visitor's language `lang`), and an
 * agent's message keeps its sender name but not the agent id, so visitors
 * never learn staff ids (issue 10). (The id is dropped after the attachments
 * are looked up: they are keyed by sender.)
 */
export function toVisitorWireMessage(message: StoredMessage, coreLevel: number, attachments: AttachmentLookup = NO_ATTACHMENTS, lang = ''): cs.v1.Message.$Properties {
  const visible = forVisitor(message, lang);
  const wire = toWireMessage(visible, coreLevel, attachments);
  if (visible.senderRole === cs.v1.Role.AGENT) wire.senderId = '';
  return wire;
}

/** True when a visitor's copy of the message differs from the agents' (a note, an event, an agent's id). */
export function differsForVisitor(message: StoredMessage): boolean {
  return forVisitor(message) !== message || (message.senderRole === cs.v1.Role.AGENT && message.senderId !== '');
}

/**
 * What a visitor receives for a message. A NOTE (agents only) becomes a
 * content-free placeholder: same seq, kind NOTE, no text, no sender. Its
 * content never reaches the visitor, yet the visitor's seq stays contiguous,
 * so the client's gap repair (DESIGN.md §3.7) does not chase a hole forever.
 * Clients show nothing for a NOTE. An EVENT becomes its customer-facing line
 * in the visitor's language `lang` (no agent id), or the same placeholder when it is internal workflow
 * (see events.ts). The wire copy for visitors also drops agent ids: see
 * `toVisitorWireMessage`.
 */
export function forVisitor(message: StoredMessage, lang = ''): StoredMessage {
  if (message.kind === cs.v1.MessageKind.EVENT) {
    const text = visitorEventText(message, lang);
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

/**
 * A conversation as the wire carries it to agents: visitor details from the
 * profile (identified visitors) and whether the visitor has a session open.
 */
export function toWireConversation(conversation: Conversation, profile: VisitorProfile | undefined, visitorOnline: boolean): cs.v1.Conversation.$Properties {
  return {
    id: conversation.id,
    epoch: conversation.epoch,
    // What clients may be shown: committed messages (a staged one may still be taken back by a crash).
    lastSeq: conversation.servedSeq,
    site: conversation.site,
    topic: conversation.topic,
    visitorId: conversation.visitorId,
    status: conversation.status,
    assigneeId: conversation.assigneeId,
    visitorUserId: profile?.userId ?? '',
    visitorName: profile?.name ?? '',
    visitorEmail: profile?.email ?? '',
    visitorOnline,
    visitorPageUrl: conversation.visitorPageUrl,
    visitorPageTitle: conversation.visitorPageTitle,
    platform: conversation.platform,
    appVersion: conversation.appVersion,
    createdMs: conversation.createdMs,
    lastActivityMs: conversation.lastActivityMs,
  };
}

/** A wire conversation as a visitor may see it: no page tracking, no assignee id (their own details only, by construction). */
export function visitorConversationView(wire: cs.v1.Conversation.$Properties): cs.v1.Conversation.$Properties {
  return { ...wire, visitorPageUrl: '', visitorPageTitle: '', assigneeId: '' };
}

/**
 * The InboxUpdate of a conversation: its summary, preview (see preview.ts) and unread count.
 * `unread` counts visitor messages past the agents' shared read cursor, the
 * same for every agent, so one encoding serves all of them.
 */
export function toInboxUpdate(conversation: Conversation, wire: cs.v1.Conversation.$Properties): cs.v1.InboxUpdate.$Properties {
  return { conversation: wire, ...previewFields(conversation), unread: conversation.unreadForAgents() };
}
