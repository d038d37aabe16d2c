/**
 * Server-side re-push (DESIGN.md §3.8): for every session that reports
 * Received, messages past its cursor that stay unconfirmed for
 * `repushAfterMs` are pushed again. A session past its buffered limit gets
 * nothing (it resyncs after the drain).
 */
import type { Logger } from 'pino';
import type { ServerMetrics } from '../http/metrics.js';
import type { ServerOptions } from '../options.js';
import type { ConversationStore } from '../store/conversations.js';
import type { Outbound } from './outbound.js';
import { SessionPhase, type Socket } from './session.js';

export class Repush {
  private readonly timer: NodeJS.Timeout;
  /**
   * The sockets that sent a Received (opted in); closed ones leave at the
   * next tick. The tick scans only these, not every connection: thousands
   * of idle sockets cost it nothing.
   */
  private readonly tracked = new Set<Socket>();

  constructor(
    private readonly store: ConversationStore,
    private readonly out: Outbound,
    private readonly metrics: ServerMetrics,
    private readonly options: Pick<ServerOptions, 'repushAfterMs'>,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.min(1000, options.repushAfterMs / 2)));
    this.timer.unref();
  }

  /** Stops the timer. */
  dispose(): void {
    clearInterval(this.timer);
    this.tracked.clear();
  }

  /** Starts watching a socket's Received cursors (called on its first Received). */
  track(ws: Socket): void {
    this.tracked.add(ws);
  }

  /** One scan of every session's Received cursors. */
  private tick(): void {
    const now = this.now();
    for (const ws of this.tracked) {
      const session = ws.getUserData().session;
      if (session.phase === SessionPhase.Closed) {
        this.tracked.delete(ws);
        continue;
      }
      if (session.phase !== SessionPhase.Ready || session.behind || !session.received) continue;
      for (const [conversationId, state] of session.received) {
        const conversation = this.store.get(conversationId);
        if (!conversation || conversation.servedSeq <= state.upTo) {
          state.since = 0;
          continue;
        }
        if (state.since === 0) {
          state.since = now;
        } else if (now - state.since >= this.options.repushAfterMs) {
          const pushed = this.out.pushSince(ws, conversation, state.upTo);
          this.metrics.repushes.inc(pushed);
          state.since = now;
          this.log.debug({ session: session.id, conversationId, pushed }, 're-pushed unconfirmed messages');
        }
      }
    }
  }
}
