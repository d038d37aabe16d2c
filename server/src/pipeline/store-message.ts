/**
 * The durable tail of the pipeline: seq -> store -> journal append. The
 * message gets the next seq and goes into memory at once (so a concurrent
 * duplicate finds it), then the journal append is awaited. If the journal
 * refuses, the message and everything after it in that conversation (all
 * still unacked, as appends resolve in order) are rolled back out of memory.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { ServerContext } from '../context.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { JournalUnavailableError } from '../store/journal-types.js';

/** A message before it has a seq. */
export type MessageDraft = Omit<StoredMessage, 'seq' | 'conversationId' | 'serverTimeMs'>;

/** Pending journal writes by conversation and seq, so a duplicate of an in-flight message waits for it. */
const inFlight = new WeakMap<Conversation, Map<number, Promise<void>>>();

/** The durability promise of a message still being written, if any. */
export function pendingWrite(conversation: Conversation, seq: number): Promise<void> | undefined {
  return inFlight.get(conversation)?.get(seq);
}

/**
 * Stores a message and waits until the journal holds it.
 * @throws JournalUnavailableError when it could not be made durable (nothing is kept).
 */
export async function storeMessage(ctx: ServerContext, conversation: Conversation, draft: MessageDraft): Promise<StoredMessage> {
  if (!ctx.journal.healthy) throw new JournalUnavailableError('journal unhealthy');
  const message: StoredMessage = { ...draft, conversationId: conversation.id, seq: conversation.lastSeq + 1, serverTimeMs: ctx.now() };
  conversation.append(message);
  let writes = inFlight.get(conversation);
  if (!writes) inFlight.set(conversation, (writes = new Map()));
  const durable = appendRecords(ctx, conversation, message);
  writes.set(message.seq, durable);
  try {
    await durable;
  } catch (error) {
    if (conversation.message(message.seq) === message) conversation.truncateFrom(message.seq);
    // Write the `conv` record again with the next first message (replay ignores a repeated one).
    if (conversation.lastSeq === 0) conversation.journaled = false;
    throw error instanceof JournalUnavailableError ? error : new JournalUnavailableError('journal append failed', { cause: error });
  } finally {
    writes.delete(message.seq);
  }
  if (conversation.message(message.seq) !== message) throw new JournalUnavailableError('rolled back after an earlier write failed');
  return message;
}

function appendRecords(ctx: ServerContext, conversation: Conversation, message: StoredMessage): Promise<void> {
  const writes: Promise<void>[] = [];
  if (!conversation.journaled) {
    conversation.journaled = true;
    const { id, site, visitorId, topic, epoch, createdMs } = conversation;
    writes.push(ctx.journal.append({ t: 'conv', id, site, visitorId, topic, epoch, createdMs }));
  }
  writes.push(ctx.journal.append({ t: 'msg', ...message, quickReplies: [...message.quickReplies] }));
  return Promise.all(writes).then(() => undefined);
}

/**
 * Posts a server-made message (BOT or SYSTEM) and fans it out. Failures are
 * logged, never thrown. `senderName`: the name shown with it (default "Bot"
 * for BOT; an EVENT names the agent it is about).
 */
export async function postServerMessage(
  ctx: ServerContext,
  conversation: Conversation,
  role: cs.v1.Role,
  kind: cs.v1.MessageKind,
  text: string,
  clientMsgId: string,
  senderName = role === cs.v1.Role.BOT ? 'Bot' : '',
): Promise<StoredMessage | undefined> {
  try {
    const message = await storeMessage(ctx, conversation, {
      clientMsgId,
      senderId: role === cs.v1.Role.BOT ? 'bot' : 'system',
      senderRole: role,
      senderName,
      kind,
      text,
      quoteSeq: 0,
      quickReplies: [],
    });
    ctx.hub.deliver(undefined, conversation, [message]);
    return message;
  } catch (error) {
    ctx.log.warn({ err: error, conversationId: conversation.id }, 'server message not stored');
    return undefined;
  }
}
