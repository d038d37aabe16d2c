/**
 * The send pipeline (DESIGN.md §3): validate -> filter -> dedup -> seq ->
 * store (awaited: committed) -> Ack -> fan-out. Each step is a small
 * function; any refusal is an Ack REJECTED with a reason (and retry_after_ms
 * when trying later can help), never a silent drop.
 */
import { cs } from '../../../proto/gen/chat.js';
import { StoreUnavailableError } from '../store/records.js';
import { visibleConversation } from './access.js';
import { afterVisitorMessage, needsOfflineReply } from './bot.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import type { Caller, PipelineDeps, Reply } from './ports.js';
import { validateSend } from './validate.js';

/** The quick replies of most messages: one shared empty list, not an array per message kept for as long as the message. */
const NO_QUICK_REPLIES: readonly string[] = Object.freeze([]);

/** The upload ids of a Send without files: one shared empty list, not an array per message. */
const NO_FILES: readonly string[] = Object.freeze([]);

/** How long a client should wait after "storage unavailable", ms. */
export const STORAGE_RETRY_MS = 2000;

type AckFields = Omit<cs.v1.Ack.$Properties, 'clientMsgId' | 'conversationId'>;

/**
 * Runs one Send from `caller` through the pipeline; answers through `reply`.
 * Returns a promise only when it has to wait (a commit, a duplicate of an
 * in-flight message, the bot); with a store that keeps nothing a plain Send
 * is answered in the same turn, with no promise made (issue 16). Throws (or
 * rejects) only on a bug, not on refusals.
 */
export function handleSend(ctx: PipelineDeps, caller: Caller, reply: Reply, send: cs.v1.Send, startedMs: number): void | Promise<void> {
  const clientMsgId = send.clientMsgId ?? '';
  const conversationId = send.conversationId || caller.primaryConversationId;
  const answer: Answer = { ctx, caller, reply, clientMsgId, conversationId, startedMs };

  const conversation = visibleConversation(ctx.conversations, caller, conversationId);
  if (!conversation) {
    reject(answer, 'forbidden');
    reply.error(cs.v1.ErrorCode.FORBIDDEN, 'you may not write to this conversation', { ref: conversationId });
    return;
  }
  const invalid = validateSend(send, caller.role, ctx.options.maxTextLength);
  if (invalid) return reject(answer, invalid);
  const filtered = ctx.filter.apply(send.text ?? '');
  if (!filtered.ok) return reject(answer, filtered.reason);
  const ids = send.attachments?.length ? send.attachments.map((file) => file.id ?? '') : NO_FILES;
  const files = ctx.attachments.claimForSend(conversation.id, caller.userId, clientMsgId, ids, send.kind ?? cs.v1.MessageKind.TEXT);
  if (!files.ok) return reject(answer, files.reason);

  const originalSeq = conversation.findDuplicate(caller.userId, clientMsgId);
  if (originalSeq > 0) return answerDuplicate(answer, conversation, originalSeq);

  if (caller.role === cs.v1.Role.VISITOR) {
    // Abuse limit (issue 9): bytes of text one visitor may have stored per hour.
    const wait = ctx.conversations.quotas.storeBytes(caller.userId, Buffer.byteLength(filtered.text), ctx.now());
    if (wait > 0) {
      reject(answer, 'rate limited: too much text stored this hour', wait);
      reply.error(cs.v1.ErrorCode.RATE_LIMITED, 'too much text stored this hour: wait before sending more', { ref: conversationId, retryAfterMs: wait });
      return;
    }
  }

  let staged;
  try {
    staged = ctx.messages.stage(conversation, {
      clientMsgId,
      senderId: caller.userId,
      senderRole: caller.role,
      senderName: caller.name,
      kind: files.kind,
      text: filtered.text,
      quoteSeq: Math.min(send.quoteSeq ?? 0, conversation.lastSeq),
      quickReplies: send.quickReplies && send.quickReplies.length > 0 ? [...send.quickReplies] : NO_QUICK_REPLIES,
    });
  } catch (error) {
    return notStored(answer, error);
  }
  if (!staged.committed) return stored(answer, staged.conversation, staged.message);
  const live = staged.conversation;
  return staged.committed.then(
    (message) => stored(answer, live, message),
    (error: unknown) => notStored(answer, error),
  );
}

/** Who to answer about which Send. */
interface Answer {
  readonly ctx: PipelineDeps;
  readonly caller: Caller;
  readonly reply: Reply;
  readonly clientMsgId: string;
  readonly conversationId: string;
  readonly startedMs: number;
}

/** Status names for the Ack counter, made once (not a reverse enum lookup per Ack). */
const ACK_STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(cs.v1.AckStatus).map(([name, value]) => [value, name]));

function ack({ ctx, reply, clientMsgId, conversationId }: Answer, fields: AckFields): void {
  const status = fields.status ?? cs.v1.AckStatus.OK;
  ctx.metrics.ack(ACK_STATUS_NAMES[status] ?? String(status));
  reply.ack({
    clientMsgId,
    conversationId,
    status,
    seq: fields.seq,
    serverTimeMs: fields.serverTimeMs ?? ctx.now(),
    reason: fields.reason,
    retryAfterMs: fields.retryAfterMs,
  });
}

function reject(answer: Answer, reason: string, retryAfterMs = 0): void {
  ack(answer, { status: cs.v1.AckStatus.REJECTED, reason, retryAfterMs });
}

/** A retry of a stored message: the original seq, once that message is durable. */
function answerDuplicate(answer: Answer, conversation: Conversation, originalSeq: number): void | Promise<void> {
  const done = (): void => {
    const original = conversation.message(originalSeq);
    if (!original) return reject(answer, 'storage unavailable', STORAGE_RETRY_MS);
    answer.ctx.metrics.dedupHits.inc();
    ack(answer, { status: cs.v1.AckStatus.DUPLICATE, seq: originalSeq, serverTimeMs: original.serverTimeMs });
  };
  const pending = answer.ctx.messages.pendingWrite(conversation, originalSeq);
  if (!pending) return done();
  return pending.then(done, () => reject(answer, 'storage unavailable', STORAGE_RETRY_MS));
}

/** The store refused: Ack REJECTED with retry-after (a bug is thrown on). */
function notStored(answer: Answer, error: unknown): void {
  if (!(error instanceof StoreUnavailableError)) throw error;
  answer.ctx.log.warn({ err: error, conversationId: answer.conversationId }, 'send not stored: storage unavailable');
  reject(answer, 'storage unavailable', STORAGE_RETRY_MS);
}

/** The message is durable: Ack and fan-out leave together, then the visitor-side follow-ups. */
function stored(answer: Answer, conversation: Conversation, message: StoredMessage): void | Promise<void> {
  const { ctx, caller, reply } = answer;
  ctx.attachments.messageStored(message);
  reply.together(() => {
    ack(answer, { status: cs.v1.AckStatus.OK, seq: message.seq, serverTimeMs: message.serverTimeMs });
    ctx.fanOut.deliver(conversation, [message], reply);
  });
  ctx.metrics.sendToAck.observe((ctx.now() - answer.startedMs) / 1000);
  ctx.continuity?.messageStored(conversation, message);
  if (caller.role !== cs.v1.Role.VISITOR) return;
  const reopened = conversation.status === cs.v1.ConversationStatus.RESOLVED;
  if (!reopened && !needsOfflineReply(ctx, conversation)) return;
  return (async () => {
    if (reopened) await reopenByVisitor(ctx, conversation.id);
    await afterVisitorMessage(ctx, conversation, caller.lang, caller.timeZone);
  })();
}

/** A visitor writing into a resolved conversation reopens it (as Intercom and Crisp do). */
async function reopenByVisitor(ctx: PipelineDeps, conversationId: string): Promise<void> {
  const conversation = ctx.conversations.get(conversationId);
  if (!conversation) return;
  conversation.status = cs.v1.ConversationStatus.OPEN;
  ctx.fanOut.inboxChanged(conversationId);
  await ctx.durable.append({ t: 'status', conversationId, status: conversation.status, atMs: ctx.now() }).catch((error: unknown) => {
    ctx.log.warn({ err: error, conversationId }, 'status record not stored');
  });
}
