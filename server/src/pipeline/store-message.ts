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
 *
 * ## Cost per message (issue 16)
 *
 * `stage` is synchronous. With a store that keeps nothing (`CS_JOURNAL=off`)
 * there is nothing to wait for: no record is built and no promise made, and
 * the caller acks in the same turn. With SQLite, the records of one commit
 * batch share the writer's one promise (writer.ts), and each message adds a
 * single reaction to it; the conversation tracks in-flight writes per batch,
 * not per message.
 */
import type { ConversationStore } from '../store/conversations.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { StoreUnavailableError, type DurableStore } from '../store/records.js';
import type { MessageDraft, MessageStore, StagedMessage } from './ports.js';

export type { MessageDraft } from './ports.js';

/** What storing a message needs: the hot set, the durable store and the clock. */
export interface StoreDeps {
  readonly conversations: Pick<ConversationStore, 'live'>;
  readonly durable: Pick<DurableStore, 'append' | 'healthy' | 'persistent'>;
  now(): number;
}

/** The `MessageStore` port of the pipeline, backed by the hot set and the durable store. */
export function durableMessageStore(deps: StoreDeps): MessageStore {
  return {
    stage: (conversation, draft) => stageMessage(deps, conversation, draft),
    storeMessage: (conversation, draft) => storeMessage(deps, conversation, draft),
    pendingWrite,
  };
}

/** The durability promise of a message still being written, if any. */
export function pendingWrite(conversation: Conversation, seq: number): Promise<void> | undefined {
  return conversation.pendingWrite(seq);
}

/**
 * Gives the draft the next seq and puts it in memory; its commit is under
 * way (`committed`), or not owed at all (undefined: a store that keeps
 * nothing, the message is final now).
 * @throws StoreUnavailableError at once while the disk refuses writes (nothing is kept).
 */
export function stageMessage(deps: StoreDeps, held: Conversation, draft: MessageDraft): StagedMessage {
  if (!deps.durable.healthy) throw new StoreUnavailableError('storage unavailable: the disk refuses writes');
  // The caller may have held its reference across an await while the hot set let the conversation go.
  const conversation = deps.conversations.live(held);
  const message: StoredMessage = {
    conversationId: conversation.id,
    seq: conversation.lastSeq + 1,
    clientMsgId: draft.clientMsgId,
    senderId: draft.senderId,
    senderRole: draft.senderRole,
    senderName: draft.senderName,
    kind: draft.kind,
    text: draft.text,
    serverTimeMs: deps.now(),
    quoteSeq: draft.quoteSeq,
    quickReplies: draft.quickReplies,
  };
  conversation.append(message);
  if (!deps.durable.persistent) {
    // Nothing durable is owed: the message is as final as it will ever be.
    conversation.stored = true;
    conversation.committedSeq = message.seq;
    return { conversation, message, committed: undefined };
  }
  const durable = appendRecords(deps, conversation, message);
  conversation.writing(message.seq, durable);
  const committed = durable.then(
    () => {
      conversation.written(message.seq);
      conversation.committedSeq = Math.max(conversation.committedSeq, message.seq);
      // An earlier message of this conversation failed after this one was staged: this one went with it.
      if (conversation.message(message.seq) !== message) throw new StoreUnavailableError('storage unavailable: rolled back after an earlier write failed');
      return message;
    },
    (error: unknown) => {
      conversation.written(message.seq);
      if (conversation.message(message.seq) === message) conversation.truncateFrom(message.seq);
      // The row goes again with the next first message (a repeated row insert changes nothing).
      if (conversation.lastSeq === 0) conversation.stored = false;
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError('storage unavailable: the write failed', { cause: error });
    },
  );
  return { conversation, message, committed };
}

/**
 * Stores a message and waits until its transaction committed.
 * @throws StoreUnavailableError when it could not be made durable (nothing is kept).
 */
export async function storeMessage(deps: StoreDeps, held: Conversation, draft: MessageDraft): Promise<StoredMessage> {
  const staged = stageMessage(deps, held, draft);
  return staged.committed ?? staged.message;
}

/**
 * Hands the message (and, first time, the conversation's row) to the store.
 * @returns the promise of the batch holding the message: the row, if any, is
 *   in the same batch or an earlier one, and the store commits in order (a
 *   failed batch fails every batch queued behind it), so the message's
 *   promise settles only after the row's did and fails if the row's failed.
 */
function appendRecords(deps: StoreDeps, conversation: Conversation, message: StoredMessage): Promise<void> {
  if (!conversation.stored) {
    conversation.stored = true;
    const { id, site, visitorId, topic, epoch, createdMs, status, assigneeId } = conversation;
    deps.durable.append({ t: 'conv', id, site, visitorId, topic, epoch, createdMs, status, assigneeId }).catch(() => {
      // Settles with the message's own promise (see above), which the caller handles.
    });
  }
  return deps.durable.append({ t: 'msg', ...message, quickReplies: message.quickReplies.length > 0 ? [...message.quickReplies] : [] });
}
