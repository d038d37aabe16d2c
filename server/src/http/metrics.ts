/**
 * Prometheus metrics (prom-client), one registry per server instance (no
 * global singletons, so tests can run several servers in one process).
 *
 * The hot path only adds to plain numbers: counts per label live in a Map
 * and reach prom-client when `/metrics` is scraped (its `collect` hook), and
 * the send→ack histogram keeps its own bucket counts. prom-client's label
 * hashing and per-observation bookkeeping cost more per message than the rest
 * of the counting together (issue 16).
 */
import { readdir } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';

/** A counter the hot path bumps as a plain number; prom-client sees the total at scrape time. */
export class CheapCounter {
  private total = 0;

  constructor(name: string, help: string, registry: Registry) {
    const read = (): number => this.total;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** Adds `by` (default 1). */
  inc(by = 1): void {
    this.total += by;
  }
}

/** A counter with one label, counted per label value in a Map until scraped. */
export class CheapLabeledCounter {
  private readonly totals = new Map<string, number>();

  constructor(name: string, help: string, labelName: string, registry: Registry) {
    const totals = this.totals;
    new Counter({
      name,
      help,
      labelNames: [labelName],
      registers: [registry],
      collect() {
        this.reset();
        for (const [value, total] of totals) this.inc({ [labelName]: value }, total);
      },
    });
  }

  /** Adds one under `label`. */
  inc(label: string): void {
    this.totals.set(label, (this.totals.get(label) ?? 0) + 1);
  }
}

type HistogramValues = MetricObjectWithValues<MetricValueWithName<string>>;

/**
 * A histogram without labels that records into its own bucket counts (a few
 * comparisons and two additions per observation) and hands prom-client the
 * cumulative buckets, sum and count when scraped.
 */
export class CheapHistogram extends Histogram<string> {
  // Names apart from prom-client's own fields (it keeps `upperBounds`, `hashMap`… on the instance).
  private readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  private readonly perBucket: number[];
  private observedSum = 0;
  private observed = 0;

  constructor(name: string, help: string, buckets: readonly number[], registry: Registry) {
    super({ name, help, buckets: [...buckets], registers: [registry] });
    this.bounds = [...buckets].sort((a, b) => a - b);
    this.perBucket = new Array<number>(this.bounds.length + 1).fill(0);
    // prom-client sets `observe` on the instance in its constructor; this one replaces it.
    this.observe = (value: unknown): void => this.record(value);
  }

  /** Records one observation (this histogram has no labels). */
  private record(value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.perBucket[i]!++;
    this.observedSum += value;
    this.observed++;
  }

  override async get(): Promise<HistogramValues> {
    return this.snapshot();
  }

  /** What prom-client's registry reads when it renders the text format. */
  async getForPromString(): Promise<HistogramValues> {
    return this.snapshot();
  }

  private snapshot(): HistogramValues {
    // The fields prom-client's Metric constructor sets at run time (its typings do not declare them).
    const { name, help, type, aggregator, collect } = this as unknown as Omit<HistogramValues, 'values'>;
    const values: MetricValueWithName<string>[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.perBucket[i]!;
      values.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: this.observed });
    values.push({ metricName: `${name}_sum`, labels: {}, value: this.observedSum });
    values.push({ metricName: `${name}_count`, labels: {}, value: this.observed });
    return { name, help, type, aggregator, collect, values };
  }
}

export class ServerMetrics {
  readonly registry = new Registry();
  /** Open WebSocket connections. */
  readonly connections = new Gauge({ name: 'cs_connections', help: 'Open WebSocket connections', registers: [this.registry] });
  /** Frames received, by body type. */
  private readonly framesIn = new CheapLabeledCounter('cs_frames_in_total', 'Frames received by type', 'type', this.registry);
  /** Frames sent, by body type (a pub/sub publish counts once). */
  private readonly framesOut = new CheapLabeledCounter('cs_frames_out_total', 'Frames sent by type (a publish counts once)', 'type', this.registry);
  /** Acks sent, by status (OK, DUPLICATE, REJECTED). */
  private readonly acks = new CheapLabeledCounter('cs_acks_total', 'Acks sent by status', 'status', this.registry);
  /** Sends answered from the dedup map. */
  readonly dedupHits = new CheapCounter('cs_dedup_hits_total', 'Duplicate sends answered with the original seq', this.registry);
  /** Messages re-pushed because no Received confirmed them in time. */
  readonly repushes = new CheapCounter('cs_repush_total', 'Messages pushed again for lack of a Received', this.registry);
  /** Time from a Send arriving to its Ack leaving (durability included), seconds. */
  readonly sendToAck = new CheapHistogram('cs_send_ack_seconds', 'Send to Ack latency, seconds', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], this.registry);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cs_' });
    replaceOpenFdsGauge(this.registry, 'cs_process_open_fds');
  }

  /** Counts one frame received of `type` (or 'invalid', 'oversize'). */
  frameIn(type: string): void {
    this.framesIn.inc(type);
  }

  /** Counts one frame sent (or one publish) of `type`. */
  frameOut(type: string): void {
    this.framesOut.inc(type);
  }

  /** Counts one Ack sent with `status` (OK, DUPLICATE, REJECTED). */
  ack(status: string): void {
    this.acks.inc(status);
  }
}

/**
 * prom-client's `process_open_fds` lists /proc/self/fd with `readdirSync` on
 * every scrape: one entry per socket, so with 10,000 connections each scrape
 * blocked the event loop for 30 ms or more (issue 16; 100,000 would be a
 * third of a second). The same gauge, listed off the event loop
 * (`fs.promises.readdir` runs on libuv's thread pool); Linux only, as
 * prom-client's.
 */
export function replaceOpenFdsGauge(registry: Registry, name: string): void {
  if (!registry.getSingleMetric(name)) return;
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      try {
        // Minus the descriptor readdir itself held open while listing.
        this.set((await readdir('/proc/self/fd')).length - 1);
      } catch {
        // Not Linux or no /proc: the gauge keeps its last value.
      }
    },
  });
}
