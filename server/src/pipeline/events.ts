/**
 * Conversation events as the two audiences see them (issue 11).
 *
 * Agents keep the full log: "Alice claimed the conversation", "… transferred
 * the conversation to Bob", "… returned it to the queue", "… resolved",
 * "… reopened", worded in English with agents' display names.
 *
 * Visitors see only what concerns them, worded in the visitor's language
 * (the conversation's `visitorLang`, from Hello.lang; English or Chinese) by
 * the server, so every client shows it as it comes; `Message.event` says
 * what it was for clients that word it themselves:
 * - an agent took the conversation (claim, assign, transfer): "Alice joined
 *   the conversation" (the agent's display name, never an id);
 * - it was resolved: "This conversation was resolved".
 * Returns to the queue and reopenings are internal workflow: visitors get
 * them as content-free NOTE placeholders (their seqs stay contiguous, the
 * widget shows nothing), like private notes.
 *
 * What an event records is kept in its `client_msg_id`
 * (`event:<kind>:<seq>-<ms>`), a field every store already keeps, so the
 * on-disk format does not change. Events written before this scheme
 * (`event-<seq>-<ms>`) carry no kind: agents still see their text, visitors
 * a placeholder.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { StoredMessage } from '../store/conversations.js';

const KIND_NAMES: Readonly<Record<string, cs.v1.EventKind>> = {
  joined: cs.v1.EventKind.JOINED,
  resolved: cs.v1.EventKind.RESOLVED,
  reopened: cs.v1.EventKind.REOPENED,
  unassigned: cs.v1.EventKind.UNASSIGNED,
};

/** The client_msg_id of a new event message of `kind` (seq is the one it will get, ms the time). */
export function eventMessageId(kind: cs.v1.EventKind, seq: number, ms: number): string {
  const name = Object.keys(KIND_NAMES).find((key) => KIND_NAMES[key] === kind) ?? 'other';
  return `event:${name}:${seq}-${ms}`;
}

/** What an EVENT message records; EVENT_KIND_UNSPECIFIED for other kinds and for old events. */
export function eventKindOf(message: Pick<StoredMessage, 'kind' | 'clientMsgId'>): cs.v1.EventKind {
  if (message.kind !== cs.v1.MessageKind.EVENT || !message.clientMsgId.startsWith('event:')) return cs.v1.EventKind.EVENT_KIND_UNSPECIFIED;
  const name = message.clientMsgId.slice('event:'.length, message.clientMsgId.indexOf(':', 'event:'.length));
  return KIND_NAMES[name] ?? cs.v1.EventKind.EVENT_KIND_UNSPECIFIED;
}

/** True for a BCP 47 tag the server answers in Chinese. */
export function isChinese(lang: string): boolean {
  return lang.toLowerCase().startsWith('zh');
}

/**
 * The line a visitor sees for an event in `lang`, or '' when visitors do not
 * see this event at all.
 */
export function visitorEventText(message: StoredMessage, lang: string): string {
  const zh = isChinese(lang);
  switch (eventKindOf(message)) {
    case cs.v1.EventKind.JOINED:
      return zh ? `${message.senderName || '客服'} 已加入会话` : `${message.senderName || 'An agent'} joined the conversation`;
    case cs.v1.EventKind.RESOLVED:
      return zh ? '本次会话已结束' : 'This conversation was resolved';
    default:
      return '';
  }
}

/**
 * An agent's display name. Until agents have accounts with a name of their
 * own, it is made from the agent id: "alice" -> "Alice", "demo-agent" ->
 * "Demo Agent", "bob.smith@shop.example" -> "Bob Smith". Visitors never see
 * the raw id as a name.
 */
export function agentDisplayName(agentId: string): string {
  const local = agentId.split('@')[0] ?? agentId;
  const words = local.split(/[._-]+/).filter(Boolean);
  if (words.length === 0) return 'Agent';
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}
