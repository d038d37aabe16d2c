/**
 * The inbox row's preview (issue 11): the newest message a **person** wrote,
 * visitor or agent, so an agent can triage at a glance. Bot messages (the
 * offline auto-reply) and system events never become the preview; a private
 * note does, marked as one (only agents get InboxUpdates). The row says who
 * wrote it ("You: …" for the reader's own reply), from the sender fields.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation } from '../store/conversations.js';

/** Longest preview text, characters. */
const PREVIEW_CHARS = 140;
/** Most messages looked at from the newest back (a long run of bot/system lines is cut short). */
const PREVIEW_SCAN = 200;

/** What an InboxUpdate says about a conversation's newest person-written message. */
export interface Preview {
  readonly text: string;
  readonly senderId: string;
  readonly senderRole: cs.v1.Role;
  readonly note: boolean;
}

const NO_PREVIEW: Preview = { text: '', senderId: '', senderRole: cs.v1.Role.ROLE_UNSPECIFIED, note: false };

/** The newest message by a visitor or an agent (notes included, marked), or an empty preview. */
export function personPreview(conversation: Conversation): Preview {
  const stop = Math.max(0, conversation.lastSeq - PREVIEW_SCAN);
  for (let seq = conversation.lastSeq; seq > stop; seq--) {
    const message = conversation.message(seq);
    if (!message) break;
    if (message.senderRole !== cs.v1.Role.VISITOR && message.senderRole !== cs.v1.Role.AGENT) continue;
    if (message.kind === cs.v1.MessageKind.EVENT) continue;
    const caption = message.text.replace(/\s+/g, ' ').trim().slice(0, PREVIEW_CHARS);
    const text = message.kind === cs.v1.MessageKind.IMAGE ? (caption && !caption.startsWith('https://') ? `[Image] ${caption}` : '[Image]') : message.kind === cs.v1.MessageKind.FILE ? (caption ? `[File] ${caption}` : '[File]') : caption;
    return { text, senderId: message.senderId, senderRole: message.senderRole, note: message.kind === cs.v1.MessageKind.NOTE };
  }
  return NO_PREVIEW;
}

/** The preview fields of an InboxUpdate. */
export function previewFields(conversation: Conversation): Pick<cs.v1.InboxUpdate.$Properties, 'preview' | 'previewSenderId' | 'previewSenderRole' | 'previewNote'> {
  const preview = personPreview(conversation);
  return { preview: preview.text, previewSenderId: preview.senderId, previewSenderRole: preview.senderRole, previewNote: preview.note };
}
