/**
 * The send pipeline (DESIGN.md §3): validate -> filter -> dedup -> seq ->
 * store (awaited: committed) -> Ack -> fan-out. Each step is a small
 * function; any refusal is an Ack REJECTED with a reason (and retry_after_ms
 * when trying later can help), never a silent drop.
 */
import { cs } from '../../../proto/gen/chat.js';
import { StoreUnavailableError } from '../store/records.js';
import { visibleConversation } from './access.js';
import { afterVisitorMessage } from './bot.js';
import type { Caller, PipelineDeps, Reply } from './ports.js';
import { validateSend } from './validate.js';

/** How long a client should wait after "storage unavailable", ms. */
export const STORAGE_RETRY_MS = 2000;

type AckFields = Omit<cs.v1.Ack.$Properties, 'clientMsgId' | 'conversationId'>;

/** Runs one Send from `caller` through the pipeline; answers through `reply`. Throws only on a bug (not on refusals). */
export async function handleSend(ctx: PipelineDeps, caller: Caller, reply: Reply, send: cs.v1.Send, startedMs: number): Promise<void> {
  const clientMsgId = send.clientMsgId ?? '';
  const conversationId = send.conversationId || caller.primaryConversationId;
  const ack = (fields: AckFields): void => {
    const status = fields.status ?? cs.v1.AckStatus.OK;
    ctx.metrics.ack(cs.v1.AckStatus[status] ?? String(status));
    reply.ack({ clientMsgId, conversationId, serverTimeMs: ctx.now(), ...fields });
  };
  const reject = (reason: string, retryAfterMs = 0): void => ack({ status: cs.v1.AckStatus.REJECTED, reason, retryAfterMs });

  const conversation = visibleConversation(ctx.conversations, caller, conversationId);
  if (!conversation) {
    reject('forbidden');
    reply.error(cs.v1.ErrorCode.FORBIDDEN, 'you may not write to this conversation', { ref: conversationId });
    return;
  }
  const invalid = validateSend(send, caller.role, ctx.options.maxTextLength);
  if (invalid) return reject(invalid);
  const filtered = ctx.filter.apply(send.text ?? '');
  if (!filtered.ok) return reject(filtered.reason);
  const ids = (send.attachments ?? []).map((file) => file.id ?? '');
  const files = ctx.attachments.claimForSend(conversation.id, caller.userId, clientMsgId, ids, send.kind ?? cs.v1.MessageKind.TEXT);
  if (!files.ok) return reject(files.reason);

  const originalSeq = conversation.findDuplicate(caller.userId, clientMsgId);
  if (originalSeq > 0) {
    try {
      await ctx.messages.pendingWrite(conversation, originalSeq);
    } catch {
      return reject('storage unavailable', STORAGE_RETRY_MS);
    }
    const original = conversation.message(originalSeq);
    if (!original) return reject('storage unavailable', STORAGE_RETRY_MS);
    ctx.metrics.dedupHits.inc();
    return ack({ status: cs.v1.AckStatus.DUPLICATE, seq: originalSeq, serverTimeMs: original.serverTimeMs });
  }

  if (caller.role === cs.v1.Role.VISITOR) {
    // Abuse limit (issue 9): bytes of text one visitor may have stored per hour.
    const wait = ctx.conversations.quotas.storeBytes(caller.userId, Buffer.byteLength(filtered.text), ctx.now());
    if (wait > 0) {
      reject('rate limited: too much text stored this hour', wait);
      reply.error(cs.v1.ErrorCode.RATE_LIMITED, 'too much text stored this hour: wait before sending more', { ref: conversationId, retryAfterMs: wait });
      return;
    }
  }

  let message;
  try {
    message = await ctx.messages.storeMessage(conversation, {
      clientMsgId,
      senderId: caller.userId,
      senderRole: caller.role,
      senderName: caller.name,
      kind: files.kind,
      text: filtered.text,
      quoteSeq: Math.min(send.quoteSeq ?? 0, conversation.lastSeq),
      quickReplies: [...(send.quickReplies ?? [])],
    });
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    ctx.log.warn({ err: error, conversationId }, 'send not stored: storage unavailable');
    return reject('storage unavailable', STORAGE_RETRY_MS);
  }

  ctx.attachments.messageStored(message);
  const fanOut = (): void => {
    ack({ status: cs.v1.AckStatus.OK, seq: message.seq, serverTimeMs: message.serverTimeMs });
    ctx.fanOut.deliver(conversation, [message], reply);
  };
  reply.together(fanOut);
  ctx.metrics.sendToAck.observe((ctx.now() - startedMs) / 1000);
  ctx.continuity?.messageStored(conversation, message);

  if (caller.role === cs.v1.Role.VISITOR) {
    if (conversation.status === cs.v1.ConversationStatus.RESOLVED) await reopenByVisitor(ctx, conversation.id);
    await afterVisitorMessage(ctx, conversation, caller.lang, caller.timeZone);
  }
}

/** A visitor writing into a resolved conversation reopens it (as Intercom and Crisp do). */
async function reopenByVisitor(ctx: PipelineDeps, conversationId: string): Promise<void> {
  const conversation = ctx.conversations.get(conversationId);
  if (!conversation) return;
  conversation.status = cs.v1.ConversationStatus.OPEN;
  ctx.fanOut.inboxChanged(conversationId);
  await ctx.journal.append({ t: 'status', conversationId, status: conversation.status, atMs: ctx.now() }).catch((error: unknown) => {
    ctx.log.warn({ err: error, conversationId }, 'status record not journaled');
  });
}
