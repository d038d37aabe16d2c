/**
 * Conversation actions (issue 4): claim, assign/transfer, resolve, reopen,
 * unassign. Each changes state in memory, is journaled (`status` / `assign`),
 * is recorded as an EVENT message (sender_role SYSTEM) in seq order, and
 * reaches every agent as an InboxUpdate. The assignee's sessions watch the
 * conversation (get its Deliver); a previous assignee stops unless it
 * subscribed itself.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { ServerContext } from '../context.js';
import { AGENT_ID_PATTERN } from '../gateway/auth.js';
import type { Socket } from '../gateway/session.js';
import type { Conversation } from '../store/conversations.js';
import { visibleConversation } from './access.js';
import { postServerMessage } from './store-message.js';

export async function handleAction(ctx: ServerContext, ws: Socket, action: cs.v1.ConversationAction): Promise<void> {
  const session = ws.getUserData().session;
  const conversationId = action.conversationId ?? '';
  const conversation = session.role === cs.v1.Role.AGENT ? visibleConversation(ctx, session, conversationId) : undefined;
  if (!conversation) {
    return ctx.hub.sendError(ws, cs.v1.ErrorCode.FORBIDDEN, 'only agents act on conversations they can see', { ref: conversationId });
  }
  const actor = session.userId;
  const actorName = session.name || actor;
  const kind = action.action ?? cs.v1.ActionKind.ACTION_UNSPECIFIED;
  switch (kind) {
    case cs.v1.ActionKind.CLAIM:
      return assign(ctx, conversation, actor, `${actorName} claimed the conversation`);
    case cs.v1.ActionKind.ASSIGN: {
      const target = action.agentId ?? '';
      if (!AGENT_ID_PATTERN.test(target)) {
        return ctx.hub.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, 'assign needs a valid agent_id', { ref: conversationId });
      }
      // Only to someone who exists: an enabled account, or an agent (service token) online now. Never to a ghost id.
      const account = ctx.accounts.accounts.get(target);
      if (account ? account.disabled : ctx.hub.agentSessions(target).length === 0) {
        const why = account ? 'that account is disabled' : 'no such agent (not an account, not online)';
        return ctx.hub.sendError(ws, cs.v1.ErrorCode.NOT_FOUND, `cannot assign: ${why}`, { ref: conversationId });
      }
      const targetName = account?.name ?? target;
      const text = conversation.assigneeId ? `${actorName} transferred the conversation to ${targetName}` : `${actorName} assigned the conversation to ${targetName}`;
      return assign(ctx, conversation, target, text);
    }
    case cs.v1.ActionKind.UNASSIGN:
      return assign(ctx, conversation, '', `${actorName} returned the conversation to the queue`);
    case cs.v1.ActionKind.RESOLVE:
      return setStatus(ctx, conversation, cs.v1.ConversationStatus.RESOLVED, `${actorName} resolved the conversation`);
    case cs.v1.ActionKind.REOPEN:
      return setStatus(ctx, conversation, cs.v1.ConversationStatus.OPEN, `${actorName} reopened the conversation`);
    default:
      return ctx.hub.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, `unknown action ${kind}`, { ref: conversationId });
  }
}

async function assign(ctx: ServerContext, conversation: Conversation, assigneeId: string, text: string): Promise<void> {
  const previous = conversation.assigneeId;
  if (previous === assigneeId) return;
  conversation.assigneeId = assigneeId;
  if (assigneeId) ctx.store.agentIds.add(assigneeId);
  for (const ws of ctx.hub.agentSessions(previous)) {
    if (!ws.getUserData().session.subscribed?.has(conversation.id)) ctx.hub.unwatch(ws, conversation.id);
  }
  for (const ws of ctx.hub.agentSessions(assigneeId)) ctx.hub.watch(ws, conversation.id);
  ctx.hub.inboxChanged(conversation.id);
  await record(ctx, conversation, { t: 'assign', conversationId: conversation.id, assigneeId, atMs: ctx.now() }, text);
}

async function setStatus(ctx: ServerContext, conversation: Conversation, status: cs.v1.ConversationStatus, text: string): Promise<void> {
  if (conversation.status === status) return;
  conversation.status = status;
  ctx.hub.inboxChanged(conversation.id);
  await record(ctx, conversation, { t: 'status', conversationId: conversation.id, status, atMs: ctx.now() }, text);
}

async function record(
  ctx: ServerContext,
  conversation: Conversation,
  change: Parameters<ServerContext['journal']['append']>[0],
  text: string,
): Promise<void> {
  await ctx.journal.append(change).catch((error: unknown) => ctx.log.warn({ err: error }, 'action record not journaled'));
  const eventId = `event-${conversation.lastSeq + 1}-${ctx.now()}`;
  await postServerMessage(ctx, conversation, cs.v1.Role.SYSTEM, cs.v1.MessageKind.EVENT, text, eventId);
}
