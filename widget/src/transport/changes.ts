/**
 * Change events and the message cache: changes are coalesced to one event
 * per conversation per animation frame (a timer when frames stop in a hidden
 * tab), and each flush writes the new seq'd messages to IndexedDB.
 */
import type { Disposer } from '../core/types.js';
import { CACHE_LIMIT, type ChatStore } from '../store/index.js';
import { ignore, type Conversations } from './conversations.js';
import type { Timers } from './timers.js';

/** Change events fall back to a timer when animation frames stop (hidden tab), ms. */
const CHANGE_FALLBACK_MS = 100;

/** Animation frames, injectable (absent in tests without a page). */
export interface FrameEnv {
  requestAnimationFrame?(fn: () => void): unknown;
  cancelAnimationFrame?(id: unknown): void;
}

/** What the coalescer needs from the session. */
export interface ChangesDeps {
  readonly env: FrameEnv;
  readonly timers: Timers;
  readonly convs: Conversations;
  store(): ChatStore | undefined;
  /** Emits one `change` event. */
  emitChange(conversationId: string): void;
}

/** Coalesces change events and writes the cache behind them. */
export class Changes {
  private readonly changed = new Set<string>();
  private flushHandle: Disposer | undefined;

  constructor(private readonly deps: ChangesDeps) {}

  /** A conversation's view or info changed: drop its view and emit once, on the next frame. */
  mark(id: string): void {
    const conv = this.deps.convs.get(id);
    if (conv) conv.view = undefined;
    this.changed.add(id);
    if (this.flushHandle) return;
    const run = (): void => {
      this.flushHandle?.();
      this.flushHandle = undefined;
      const ids = [...this.changed];
      this.changed.clear();
      void this.persist();
      for (const changed of ids) this.deps.emitChange(changed);
    };
    const { env, timers } = this.deps;
    const timer = timers.later(CHANGE_FALLBACK_MS, run);
    const frame = env.requestAnimationFrame?.(run);
    this.flushHandle = () => {
      timer();
      if (frame !== undefined) env.cancelAnimationFrame?.(frame);
    };
  }

  /** Forgets the pending flush (its timer is cleared with the session's timers). */
  stop(): void {
    this.flushHandle = undefined;
  }

  /** Writes new seq'd messages to the IndexedDB cache. */
  async persist(): Promise<void> {
    const store = this.deps.store();
    if (!store) return;
    const writes: Promise<void>[] = [];
    for (const [id, conv] of this.deps.convs.entries()) {
      if (!conv.unsaved.length || !id) continue;
      // The cache keeps the newest CACHE_LIMIT: older pages read back through would be written only to be trimmed.
      const floor = conv.timeline.lastSeq - CACHE_LIMIT;
      const items = conv.unsaved.filter((item) => item.seq > floor);
      conv.unsaved = [];
      if (items.length) writes.push(store.putMessages(id, items).catch(ignore));
    }
    await Promise.all(writes);
  }
}
