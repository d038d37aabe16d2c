/**
 * The durable tail of the pipeline: seq -> store -> journal append. The
 * message gets the next seq and goes into memory at once (so a concurrent
 * duplicate finds it), then the journal append is awaited. If the journal
 * refuses, the message and everything after it in that conversation (all
 * still unacked, as appends resolve in order) are rolled back out of memory.
 */
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { JournalUnavailableError, type Journal } from '../store/journal-types.js';
import type { MessageDraft, MessageStore } from './ports.js';

export type { MessageDraft } from './ports.js';

/** What storing a message needs: the journal and the clock. */
export interface StoreDeps {
  readonly journal: Journal;
  now(): number;
}

/** The journal-backed `MessageStore` port of the pipeline. */
export function journalMessageStore(deps: StoreDeps): MessageStore {
  return { storeMessage: (conversation, draft) => storeMessage(deps, conversation, draft), pendingWrite };
}

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
export async function storeMessage(ctx: StoreDeps, conversation: Conversation, draft: MessageDraft): Promise<StoredMessage> {
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

function appendRecords(ctx: StoreDeps, conversation: Conversation, message: StoredMessage): Promise<void> {
  const writes: Promise<void>[] = [];
  if (!conversation.journaled) {
    conversation.journaled = true;
    const { id, site, visitorId, topic, epoch, createdMs } = conversation;
    writes.push(ctx.journal.append({ t: 'conv', id, site, visitorId, topic, epoch, createdMs }));
  }
  writes.push(ctx.journal.append({ t: 'msg', ...message, quickReplies: [...message.quickReplies] }));
  return Promise.all(writes).then(() => undefined);
}
