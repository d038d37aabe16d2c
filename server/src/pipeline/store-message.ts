/**
 * The durable tail of the pipeline: seq -> hot set -> durable store (the
 * `MessageStore` port). The message gets the next seq and goes into memory
 * at once (so a concurrent duplicate finds it and waits for it), then its
 * commit is awaited: the caller sends the Ack and the fan-out only after the
 * transaction holding it committed (DESIGN.md §5). If the store refuses, the
 * message and everything after it in that conversation (all still unacked,
 * as commits happen in order) are rolled back out of memory.
 *
 * The first message of a conversation also writes the conversation's row
 * (DESIGN.md §2: nothing durable before it), in the same transaction.
 */
import type { ConversationStore } from '../store/conversations.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { StoreUnavailableError, type DurableStore } from '../store/records.js';
import type { MessageDraft, MessageStore } from './ports.js';

export type { MessageDraft } from './ports.js';

/** What storing a message needs: the hot set, the durable store and the clock. */
export interface StoreDeps {
  readonly conversations: Pick<ConversationStore, 'live'>;
  readonly durable: Pick<DurableStore, 'append' | 'healthy'>;
  now(): number;
}

/** The `MessageStore` port of the pipeline, backed by the hot set and the durable store. */
export function durableMessageStore(deps: StoreDeps): MessageStore {
  return { storeMessage: (conversation, draft) => storeMessage(deps, conversation, draft), pendingWrite };
}

/** Pending writes by conversation and seq, so a duplicate of an in-flight message waits for it. */
const inFlight = new WeakMap<Conversation, Map<number, Promise<void>>>();

/** The durability promise of a message still being written, if any. */
export function pendingWrite(conversation: Conversation, seq: number): Promise<void> | undefined {
  return inFlight.get(conversation)?.get(seq);
}

/**
 * Stores a message and waits until its transaction committed.
 * @throws StoreUnavailableError when it could not be made durable (nothing is kept).
 */
export async function storeMessage(deps: StoreDeps, held: Conversation, draft: MessageDraft): Promise<StoredMessage> {
  if (!deps.durable.healthy) throw new StoreUnavailableError('storage unavailable: the disk refuses writes');
  // The caller may have held its reference across an await while the hot set let the conversation go.
  const conversation = deps.conversations.live(held);
  const message: StoredMessage = { ...draft, conversationId: conversation.id, seq: conversation.lastSeq + 1, serverTimeMs: deps.now() };
  conversation.append(message);
  let writes = inFlight.get(conversation);
  if (!writes) inFlight.set(conversation, (writes = new Map()));
  const durable = appendRecords(deps, conversation, message);
  writes.set(message.seq, durable);
  conversation.pendingWrites += 1;
  try {
    await durable;
    conversation.committedSeq = Math.max(conversation.committedSeq, message.seq);
  } catch (error) {
    if (conversation.message(message.seq) === message) conversation.truncateFrom(message.seq);
    // The row goes again with the next first message (a repeated row insert changes nothing).
    if (conversation.lastSeq === 0) conversation.stored = false;
    throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError('storage unavailable: the write failed', { cause: error });
  } finally {
    conversation.pendingWrites -= 1;
    writes.delete(message.seq);
    if (writes.size === 0) inFlight.delete(conversation);
  }
  if (conversation.message(message.seq) !== message) throw new StoreUnavailableError('storage unavailable: rolled back after an earlier write failed');
  return message;
}

function appendRecords(deps: StoreDeps, conversation: Conversation, message: StoredMessage): Promise<void> {
  const writes: Promise<void>[] = [];
  if (!conversation.stored) {
    conversation.stored = true;
    const { id, site, visitorId, topic, epoch, createdMs, status, assigneeId } = conversation;
    writes.push(deps.durable.append({ t: 'conv', id, site, visitorId, topic, epoch, createdMs, status, assigneeId }));
  }
  writes.push(deps.durable.append({ t: 'msg', ...message, quickReplies: [...message.quickReplies] }));
  return Promise.all(writes).then(() => undefined);
}
