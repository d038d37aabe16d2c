/**
 * Conversation actions (issue 4): claim, assign/transfer, resolve, reopen,
 * unassign. Each changes state in memory, is stored (`status` / `assign` records),
 * is recorded as an EVENT message (sender_role SYSTEM) in seq order, and
 * reaches every agent as an InboxUpdate. The assignee's sessions watch the
 * conversation (get its Deliver); a previous assignee stops unless it
 * subscribed itself.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation } from '../store/conversations.js';
import type { StoreRecord } from '../store/records.js';
import { visibleConversation } from './access.js';
import { agentDisplayName, eventMessageId } from './events.js';
import type { Caller, PipelineDeps, Reply } from './ports.js';
import { postServerMessage } from './server-message.js';
import { AGENT_ID_PATTERN } from './validate.js';

/** What an action's EVENT message records: its kind, the agent it names (JOINED), and the agents' wording. */
interface EventRecord {
  readonly kind: cs.v1.EventKind;
  readonly name: string;
  readonly text: string;
}

/** Runs one ConversationAction from `caller`; refusals are Error frames through `reply`. */
export async function handleAction(ctx: PipelineDeps, caller: Caller, reply: Reply, action: cs.v1.ConversationAction): Promise<void> {
  const conversationId = action.conversationId ?? '';
  const conversation = caller.role === cs.v1.Role.AGENT ? visibleConversation(ctx.conversations, caller, conversationId) : undefined;
  if (!conversation) {
    return reply.error(cs.v1.ErrorCode.FORBIDDEN, 'only agents act on conversations they can see', { ref: conversationId });
  }
  const actor = caller.name || agentDisplayName(caller.userId);
  const { JOINED, RESOLVED, REOPENED, UNASSIGNED } = cs.v1.EventKind;
  const kind = action.action ?? cs.v1.ActionKind.ACTION_UNSPECIFIED;
  switch (kind) {
    case cs.v1.ActionKind.CLAIM:
      return assign(ctx, conversation, caller.userId, { kind: JOINED, name: actor, text: `${actor} claimed the conversation` });
    case cs.v1.ActionKind.ASSIGN: {
      const target = action.agentId ?? '';
      if (!AGENT_ID_PATTERN.test(target)) {
        return reply.error(cs.v1.ErrorCode.BAD_FRAME, 'assign needs a valid agent_id', { ref: conversationId });
      }
      // Only to someone who exists: an enabled account, or an agent (service token) online now. Never to a ghost id.
      const account = ctx.agents.account(target);
      if (account ? !account.enabled : !ctx.agents.isOnline(target)) {
        const why = account ? 'that account is disabled' : 'no such agent (not an account, not online)';
        return reply.error(cs.v1.ErrorCode.NOT_FOUND, `cannot assign: ${why}`, { ref: conversationId });
      }
      const name = account?.name ?? agentDisplayName(target);
      const text = conversation.assigneeId ? `${actor} transferred the conversation to ${name}` : `${actor} assigned the conversation to ${name}`;
      return assign(ctx, conversation, target, { kind: JOINED, name, text });
    }
    case cs.v1.ActionKind.UNASSIGN:
      return assign(ctx, conversation, '', { kind: UNASSIGNED, name: '', text: `${actor} returned the conversation to the queue` });
    case cs.v1.ActionKind.RESOLVE:
      return setStatus(ctx, conversation, cs.v1.ConversationStatus.RESOLVED, { kind: RESOLVED, name: '', text: `${actor} resolved the conversation` });
    case cs.v1.ActionKind.REOPEN:
      return setStatus(ctx, conversation, cs.v1.ConversationStatus.OPEN, { kind: REOPENED, name: '', text: `${actor} reopened the conversation` });
    default:
      return reply.error(cs.v1.ErrorCode.BAD_FRAME, `unknown action ${kind}`, { ref: conversationId });
  }
}

async function assign(ctx: PipelineDeps, conversation: Conversation, assigneeId: string, event: EventRecord): Promise<void> {
  const previous = conversation.assigneeId;
  if (previous === assigneeId) return;
  conversation.assigneeId = assigneeId;
  if (assigneeId) ctx.conversations.agentIds.add(assigneeId);
  ctx.fanOut.assigneeChanged(conversation.id, previous, assigneeId);
  ctx.fanOut.inboxChanged(conversation.id);
  await record(ctx, conversation, { t: 'assign', conversationId: conversation.id, assigneeId, atMs: ctx.now() }, event);
}

async function setStatus(ctx: PipelineDeps, conversation: Conversation, status: cs.v1.ConversationStatus, event: EventRecord): Promise<void> {
  if (conversation.status === status) return;
  conversation.status = status;
  ctx.fanOut.inboxChanged(conversation.id);
  await record(ctx, conversation, { t: 'status', conversationId: conversation.id, status, atMs: ctx.now() }, event);
  if (status === cs.v1.ConversationStatus.RESOLVED) ctx.continuity?.resolved(conversation);
}

async function record(
  ctx: PipelineDeps,
  conversation: Conversation,
  change: StoreRecord,
  event: EventRecord,
): Promise<void> {
  await ctx.durable.append(change).catch((error: unknown) => ctx.log.warn({ err: error }, 'action record not stored'));
  const eventId = eventMessageId(event.kind, conversation.lastSeq + 1, ctx.now());
  await postServerMessage(ctx, conversation, cs.v1.Role.SYSTEM, cs.v1.MessageKind.EVENT, event.text, eventId, event.name);
}
