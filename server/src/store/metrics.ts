/**
 * The store's figures on /metrics (prom-client gauges read at scrape time):
 * hot-set size and conversations in memory (the bound of issue 9), whether
 * the disk takes writes, and the writer thread's commits and records (their
 * ratio is the group-commit batch size), and how long the writer thread's
 * jobs take.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { ConversationStore } from './conversations.js';
import type { DurableStore } from './records.js';
import { SqliteStore } from './sqlite-store.js';

/** Registers the store gauges on `registry`. */
export function registerStoreMetrics(registry: Registry, store: ConversationStore, durable: DurableStore): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('cs_store_hot_set_bytes', 'Estimated bytes of conversations and messages held in memory (bounded by CS_HOT_SET_MB)', () => store.bytes);
  gauge('cs_store_loaded_conversations', 'Conversations held in memory', () => store.loaded);
  gauge('cs_store_healthy', '1 while the disk takes writes, 0 while sends are refused as storage unavailable', () => (durable.healthy ? 1 : 0));
  if (durable instanceof SqliteStore) {
    gauge('cs_store_commits', 'Transactions the writer thread committed since start', () => durable.stats.commits);
    gauge('cs_store_records', 'Records (messages, rows, cursors) committed since start', () => durable.stats.records);
    const jobs = new Histogram({
      name: 'cs_store_writer_job_seconds',
      help: 'How long each job of the writer thread took (commit: a batch; merge: a slice of the message log; index: a search index slice; segments: a merge step of the search index; checkpoint); a batch arriving meanwhile waits for it. queue: how long each batch waited from its post to its start',
      labelNames: ['job'],
      buckets: [0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
      registers: [registry],
    });
    durable.onWriterTimings((timings) => {
      for (const [job, durations] of Object.entries(timings)) {
        const labelled = jobs.labels(job);
        for (const ms of durations ?? []) labelled.observe(ms / 1000);
      }
    });
  }
}
