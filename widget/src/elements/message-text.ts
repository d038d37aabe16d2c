/**
 * What the launcher's notification and the message views share without the
 * views' templates: the message kinds and sender roles as numbers, and the
 * one-line preview of a message (in dist/cs-chat.js; the views are in the
 * lazy panel chunk).
 */
import type { TimelineItem } from '../core/types.js';
import type { LauncherStrings } from './i18n-launcher.js';

/**
 * Message kinds as numbers, mirroring `cs.v1.MessageKind` in proto/chat.proto
 * without importing the generated (protobufjs) module into the views.
 */
export const Kind = { Text: 0, Image: 1, QuickReplies: 2, Event: 3, Note: 4 } as const;

/** Sender roles, mirroring `cs.v1.Role`. */
export const RoleCode = { Visitor: 1, Agent: 2, Bot: 3, System: 4 } as const;

/** One line of plain text for previews and quotes, at most `max` characters. */
export function previewText(item: TimelineItem, strings: Pick<LauncherStrings, 'image'>, max = 80): string {
  if (item.kind === Kind.Image) return `[${strings.image}]`;
  const line = item.text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
