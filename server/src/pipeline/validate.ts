/**
 * Validation of a Send (first step of the pipeline). UTF-8 was already
 * checked by the decoder. Returns a reason for Ack REJECTED, or '' when the
 * message may go on.
 */
import { cs } from '../../../proto/gen/chat.js';
import { isKnownKind } from './kinds.js';

/**
 * Kinds each role may send. EVENT is server-made only; notes and quick
 * replies are for agents. IMAGE and FILE carry uploads (`attachments`); the
 * old IMAGE form, an https URL in `text`, is kept for agents (service tokens,
 * bots) only: from a visitor it would make every agent's browser fetch a URL
 * the visitor chose (leaking agents' IPs to its host).
 */
const ALLOWED_KINDS: Readonly<Record<number, readonly cs.v1.MessageKind[]>> = {
  [cs.v1.Role.VISITOR]: [cs.v1.MessageKind.TEXT, cs.v1.MessageKind.IMAGE, cs.v1.MessageKind.FILE],
  [cs.v1.Role.AGENT]: [cs.v1.MessageKind.TEXT, cs.v1.MessageKind.IMAGE, cs.v1.MessageKind.FILE, cs.v1.MessageKind.QUICK_REPLIES, cs.v1.MessageKind.NOTE],
};

/** Agent ids: letters, digits and . _ @ -, 1 to 64 characters. */
export const AGENT_ID_PATTERN = /^[\w.@-]{1,64}$/;

/** Longest client_msg_id, characters (128-bit ids are 22–36 characters). */
export const MAX_CLIENT_MSG_ID = 64;
/** Most quick-reply buttons, and the longest label. */
const MAX_QUICK_REPLIES = 10;
const MAX_QUICK_REPLY_LENGTH = 40;

export function validateSend(send: cs.v1.Send.$Properties, role: cs.v1.Role, maxTextLength: number): string {
  const clientMsgId = send.clientMsgId ?? '';
  if (clientMsgId.length === 0 || clientMsgId.length > MAX_CLIENT_MSG_ID) return `client_msg_id must be 1 to ${MAX_CLIENT_MSG_ID} characters`;
  const kind = send.kind ?? cs.v1.MessageKind.TEXT;
  if (!isKnownKind(kind)) return `unknown message kind ${kind}`;
  if (!(ALLOWED_KINDS[role] ?? []).includes(kind)) return `this role may not send kind ${cs.v1.MessageKind[kind] ?? kind}`;
  const text = send.text ?? '';
  const files = send.attachments ?? [];
  if (text.length > maxTextLength) return `text longer than ${maxTextLength} characters`;
  if (files.length > 0) {
    // A caption is optional; the server gives the message its kind (IMAGE or FILE) from the files.
    if (kind !== cs.v1.MessageKind.TEXT && kind !== cs.v1.MessageKind.IMAGE && kind !== cs.v1.MessageKind.FILE) return 'only text, image and file messages carry attachments';
    if (files.some((file) => !file.id)) return 'every attachment needs the id of an upload';
  } else {
    if (text.trim().length === 0) return 'empty text';
    if (kind === cs.v1.MessageKind.FILE) return 'a file message needs attachments (upload with POST /api/uploads)';
    if (kind === cs.v1.MessageKind.IMAGE && role === cs.v1.Role.VISITOR) return 'visitors send images as uploads (POST /api/uploads), not as URLs';
    if (kind === cs.v1.MessageKind.IMAGE && !/^https:\/\/\S+$/.test(text)) return 'an image must be an https URL';
  }
  const replies = send.quickReplies ?? [];
  if (replies.length > MAX_QUICK_REPLIES || replies.some((r) => r.length === 0 || r.length > MAX_QUICK_REPLY_LENGTH)) {
    return `at most ${MAX_QUICK_REPLIES} quick replies of 1 to ${MAX_QUICK_REPLY_LENGTH} characters`;
  }
  return '';
}
