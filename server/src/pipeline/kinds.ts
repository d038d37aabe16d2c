/**
 * Message kinds and the client core level each needs (DESIGN.md §4). A
 * client whose `Hello.core_level` is below a kind's level receives that kind
 * downgraded to TEXT, so an old app shows something readable instead of
 * nothing.
 */
import { cs } from '../../../proto/gen/chat.js';

/** Images by URL and quick replies arrived with this level. */
const FIRST_RICH_LEVEL = 20260101;

/**
 * Uploaded attachments (FILE, and IMAGE carrying `attachments`) arrived with
 * this level; an older client gets such a message as TEXT naming the files.
 */
export const ATTACHMENTS_CORE_LEVEL = 20261201;

/** The server's own core level (Welcome.core_level). Clients at or above it render every kind. */
export const SERVER_CORE_LEVEL = ATTACHMENTS_CORE_LEVEL;

/** Lowest core level that renders each kind natively. */
const KIND_MIN_LEVEL: Readonly<Record<number, number>> = {
  [cs.v1.MessageKind.TEXT]: 0,
  [cs.v1.MessageKind.EVENT]: 0,
  [cs.v1.MessageKind.NOTE]: 0,
  [cs.v1.MessageKind.IMAGE]: FIRST_RICH_LEVEL,
  [cs.v1.MessageKind.QUICK_REPLIES]: FIRST_RICH_LEVEL,
  [cs.v1.MessageKind.FILE]: ATTACHMENTS_CORE_LEVEL,
};

/** True when a client at `coreLevel` renders every kind this server sends. */
export function rendersAllKinds(coreLevel: number): boolean {
  return coreLevel >= SERVER_CORE_LEVEL;
}

/** True when a client at `coreLevel` gets `kind` downgraded to TEXT. */
export function downgradesBelow(kind: cs.v1.MessageKind, coreLevel: number): boolean {
  return coreLevel < (KIND_MIN_LEVEL[kind] ?? SERVER_CORE_LEVEL);
}

/** True when `kind` is a MessageKind this server knows. */
export function isKnownKind(kind: number): boolean {
  return kind in KIND_MIN_LEVEL;
}
