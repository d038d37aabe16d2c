/** The session's environment: the connection's plus animation frames and the cross-tab primitives, all injectable for tests. */
import type { FrameEnv } from './changes.js';
import { browserEnv, type ConnectionEnv } from './connection.js';
import type { FlusherEnv } from './outbox-flusher.js';

/** What the session needs beyond the connection's environment; all injectable for tests. */
export interface SessionEnv extends ConnectionEnv, FrameEnv, FlusherEnv {}

/** The browser's environment. */
export function browserSessionEnv(): SessionEnv {
  return {
    ...browserEnv(),
    requestAnimationFrame: (fn) => globalThis.requestAnimationFrame(fn),
    cancelAnimationFrame: (id) => globalThis.cancelAnimationFrame(id as number),
    locks: typeof navigator !== 'undefined' ? navigator.locks : undefined,
    openChannel: typeof BroadcastChannel === 'undefined' ? undefined : (name) => new BroadcastChannel(name),
  };
}
