/**
 * Prometheus metrics (prom-client), one registry per server instance (no
 * global singletons, so tests can run several servers in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  /** Open WebSocket connections. */
  readonly connections = new Gauge({ name: 'cs_connections', help: 'Open WebSocket connections', registers: [this.registry] });
  /** Frames received, by body type. */
  readonly framesIn = new Counter({ name: 'cs_frames_in_total', help: 'Frames received by type', labelNames: ['type'] as const, registers: [this.registry] });
  /** Frames sent, by body type (a pub/sub publish counts once). */
  readonly framesOut = new Counter({ name: 'cs_frames_out_total', help: 'Frames sent by type (a publish counts once)', labelNames: ['type'] as const, registers: [this.registry] });
  /** Acks sent, by status (OK, DUPLICATE, REJECTED). */
  readonly acks = new Counter({ name: 'cs_acks_total', help: 'Acks sent by status', labelNames: ['status'] as const, registers: [this.registry] });
  /** Sends answered from the dedup map. */
  readonly dedupHits = new Counter({ name: 'cs_dedup_hits_total', help: 'Duplicate sends answered with the original seq', registers: [this.registry] });
  /** Messages re-pushed because no Received confirmed them in time. */
  readonly repushes = new Counter({ name: 'cs_repush_total', help: 'Messages pushed again for lack of a Received', registers: [this.registry] });
  /** Time from a Send arriving to its Ack leaving (journal durability included), seconds. */
  readonly sendToAck = new Histogram({
    name: 'cs_send_ack_seconds',
    help: 'Send to Ack latency, seconds',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  // Label children cached by value, so a hot-path count skips prom-client's label hashing.
  private readonly framesInBy = new Map<string, { inc(value?: number): void }>();
  private readonly framesOutBy = new Map<string, { inc(value?: number): void }>();
  private readonly acksBy = new Map<string, { inc(value?: number): void }>();

  /** Counts one frame received of `type` (or 'invalid', 'oversize'). */
  frameIn(type: string): void {
    childOf(this.framesInBy, this.framesIn, type).inc();
  }

  /** Counts one frame sent (or one publish) of `type`. */
  frameOut(type: string): void {
    childOf(this.framesOutBy, this.framesOut, type).inc();
  }

  /** Counts one Ack sent with `status` (OK, DUPLICATE, REJECTED). */
  ack(status: string): void {
    childOf(this.acksBy, this.acks, status).inc();
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cs_' });
  }
}

function childOf<T extends string>(cache: Map<string, { inc(value?: number): void }>, counter: Counter<T>, value: string): { inc(value?: number): void } {
  let child = cache.get(value);
  if (!child) cache.set(value, (child = counter.labels(value)));
  return child;
}
