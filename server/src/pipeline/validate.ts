/**
 * Validation of a Send (first step of the pipeline). UTF-8 was already
 * checked by the decoder. Returns a reason for Ack REJECTED, or '' when the
 * message may go on.
 */
import { cs } from '../../../proto/gen/chat.js';
import { isKnownKind } from './kinds.js';

/** Kinds each role may send. EVENT is server-made only; notes and quick replies are for agents. */
const ALLOWED_KINDS: Readonly<Record<number, readonly cs.v1.MessageKind[]>> = {
  [cs.v1.Role.VISITOR]: [cs.v1.MessageKind.TEXT, cs.v1.MessageKind.IMAGE],
  [cs.v1.Role.AGENT]: [cs.v1.MessageKind.TEXT, cs.v1.MessageKind.IMAGE, cs.v1.MessageKind.QUICK_REPLIES, cs.v1.MessageKind.NOTE],
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
  if (text.trim().length === 0) return 'empty text';
  if (text.length > maxTextLength) return `text longer than ${maxTextLength} characters`;
  if (kind === cs.v1.MessageKind.IMAGE && !/^https:\/\/\S+$/.test(text)) return 'an image must be an https URL';
  const replies = send.quickReplies ?? [];
  if (replies.length > MAX_QUICK_REPLIES || replies.some((r) => r.length === 0 || r.length > MAX_QUICK_REPLY_LENGTH)) {
    return `at most ${MAX_QUICK_REPLIES} quick replies of 1 to ${MAX_QUICK_REPLY_LENGTH} characters`;
  }
  return '';
}
