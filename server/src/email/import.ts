/**
 * One inbound email to one visitor message (issue 14, DESIGN.md §10). The
 * mail is matched to a conversation by its reply address (To, Cc,
 * Delivered-To, X-Original-To; the mac must verify) or by `In-Reply-To` /
 * `References` naming a Message-ID the server sent (made by
 * `threadMessageId`, so it names the conversation too), then goes through the
 * same pipeline as a socket Send, as the conversation's visitor: dedup,
 * seq, durable commit, fan-out to the workbench and the visitor's tabs. The
 * email's Message-ID is the `client_msg_id`, so the dedup of §3.4 makes a
 * second delivery of the same mail (or a restart that sees it again) a
 * no-op. Machine-written mail, mail for no conversation and forged addresses
 * are ignored; the caller logs the outcome.
 */
import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { cs } from '../../../proto/gen/chat.js';
import { handleSend, type Caller, type PipelineDeps, type Reply } from '../pipeline/index.js';
import { MAX_CLIENT_MSG_ID } from '../pipeline/validate.js';
import { conversationOfMessageId, parseReplyAddress, type ReplyAddressKeys } from './address.js';
import { autoReplyReason, type HeaderLookup } from './auto-reply.js';
import { keepAttachments, type AttachmentLimits } from './attachments.js';
import { replyText } from './reply-text.js';
import type { FileStore } from '../files/index.js';

/** What became of one email. */
export type ImportOutcome =
  | { readonly kind: 'imported'; readonly conversationId: string; readonly seq: number; readonly clientMsgId: string }
  | { readonly kind: 'duplicate'; readonly conversationId: string; readonly seq: number; readonly clientMsgId: string }
  | { readonly kind: 'ignored'; readonly reason: string; readonly conversationId?: string }
  /** The store could not take it now: leave the mail to be tried again. */
  | { readonly kind: 'retry'; readonly reason: string; readonly conversationId: string };

/** What the importer needs. */
export interface ImportDeps {
  readonly pipeline: PipelineDeps;
  readonly addressKeys: ReplyAddressKeys;
  /** Where attachments are kept (files/); without it they are named in the text as not imported. */
  readonly files?: { readonly store: FileStore; readonly limits: AttachmentLimits };
}

/** Headers a reply address may be found in (the envelope recipient headers MTAs add, then the visible ones). */
const RECIPIENT_HEADERS = ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'to', 'cc'];

/** Imports one raw email (RFC 5322). Never throws on bad mail; throws only on a bug. */
export async function importEmail(deps: ImportDeps, raw: Buffer): Promise<ImportOutcome> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
  } catch (error) {
    return { kind: 'ignored', reason: `unreadable email: ${(error as Error).message}` };
  }
  const header = headerLookup(mail);
  const from = mail.from?.value[0]?.address ?? '';
  const machine = autoReplyReason(header, header('content-type')[0] ?? '', from);
  if (machine) return { kind: 'ignored', reason: `auto-reply or bounce: ${machine}` };

  const match = matchConversation(deps, header);
  if (!match.conversationId) return { kind: 'ignored', reason: match.reason };
  const conversation = deps.pipeline.conversations.get(match.conversationId);
  if (!conversation) return { kind: 'ignored', reason: 'the conversation no longer exists', conversationId: match.conversationId };

  const clientMsgId = clientMsgIdOf(mail.messageId, raw);
  const profile = deps.pipeline.conversations.visitors.get(conversation.visitorId);
  const caller: Caller = {
    role: cs.v1.Role.VISITOR,
    userId: conversation.visitorId,
    name: profile?.name || mail.from?.value[0]?.name || '',
    lang: '',
    primaryConversationId: conversation.id,
    site: conversation.site,
  };
  // Images embedded in an HTML body (a logo in a signature) are part of the layout, not something the visitor sent.
  const attached = (mail.attachments ?? []).filter((file) => !file.related);
  // Seen before (the §3.4 dedup key is its Message-ID): nothing to store, not even its files again.
  const originalSeq = conversation.findDuplicate(caller.userId, clientMsgId);
  if (originalSeq > 0) return { kind: 'duplicate', conversationId: conversation.id, clientMsgId, seq: originalSeq };
  const files = deps.files
    ? keepAttachments(deps.files.store, deps.files.limits, { conversationId: conversation.id, uploaderId: caller.userId, clientMsgId }, attached, deps.pipeline.now())
    : { ids: [], omitted: attached.map((file) => ({ filename: file.filename ?? '', size: file.size })) };
  const text = replyText(mail.text ?? '', files.omitted, deps.pipeline.options.maxTextLength);
  if (!text && files.ids.length === 0) return { kind: 'ignored', reason: 'no text left once quoted history and signature are removed', conversationId: conversation.id };

  const answer = capturingReply();
  const send = cs.v1.Send.create({ clientMsgId, conversationId: conversation.id, kind: cs.v1.MessageKind.TEXT, text, attachments: files.ids.map((id) => ({ id })) });
  await handleSend(deps.pipeline, caller, answer.reply, send, deps.pipeline.now());
  const ack = answer.ack;
  const base = { conversationId: conversation.id, clientMsgId };
  if (ack?.status === cs.v1.AckStatus.OK) return { kind: 'imported', ...base, seq: Number(ack.seq ?? 0) };
  if (ack?.status === cs.v1.AckStatus.DUPLICATE) return { kind: 'duplicate', ...base, seq: Number(ack.seq ?? 0) };
  const reason = ack?.reason || answer.error || 'no answer from the pipeline';
  if ((ack?.retryAfterMs ?? 0) > 0) return { kind: 'retry', reason, conversationId: conversation.id };
  return { kind: 'ignored', reason: `refused: ${reason}`, conversationId: conversation.id };
}

/**
 * The `client_msg_id` of an email: its Message-ID without `<>` when it fits
 * the pipeline's limit, else a digest of it; a digest of the whole mail when
 * it has none (so the same file delivered twice still matches itself).
 */
export function clientMsgIdOf(messageId: string | undefined, raw: Buffer): string {
  const id = (messageId ?? '').trim().replace(/^<|>$/g, '');
  if (id && id.length <= MAX_CLIENT_MSG_ID) return id;
  const digest = createHash('sha256').update(id || raw).digest('base64url');
  return `${id ? 'mid' : 'raw'}:${digest}`;
}

function matchConversation(deps: ImportDeps, header: HeaderLookup): { conversationId?: string; reason: string } {
  let forged = '';
  for (const name of RECIPIENT_HEADERS) {
    for (const address of header(name).flatMap(addressesIn)) {
      const id = parseReplyAddress(address, deps.addressKeys);
      if (id) return { conversationId: id, reason: '' };
      if (/\+[cx][a-z2-7]+\.[a-z2-7]+@/i.test(address)) forged = address;
    }
  }
  for (const messageId of [...header('in-reply-to'), ...header('references')].flatMap(messageIdsIn)) {
    const id = conversationOfMessageId(messageId, deps.addressKeys);
    if (id) return { conversationId: id, reason: '' };
  }
  if (forged) return { reason: `reply address does not verify (forged or damaged): ${forged}` };
  return { reason: 'matches no conversation (no reply address, no known In-Reply-To / References)' };
}

function headerLookup(mail: ParsedMail): HeaderLookup {
  const byName = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    byName.set(key, [...(byName.get(key) ?? []), value]);
  }
  return (name) => byName.get(name) ?? [];
}

function addressesIn(value: string): string[] {
  return value.match(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g) ?? [];
}

function messageIdsIn(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
}

function capturingReply(): { reply: Reply; readonly ack: cs.v1.Ack.$Properties | undefined; readonly error: string } {
  const state: { ack: cs.v1.Ack.$Properties | undefined; error: string } = { ack: undefined, error: '' };
  const reply: Reply = {
    ack: (ack) => (state.ack = ack),
    error: (_code, message) => (state.error = message),
    together: (write) => write(),
  };
  return {
    reply,
    get ack() {
      return state.ack;
    },
    get error() {
      return state.error;
    },
  };
}
