/**
 * The store's figures on /metrics (prom-client gauges read at scrape time):
 * hot-set size and conversations in memory (the bound of issue 9), whether
 * the disk takes writes, and the writer thread's commits and records (their
 * ratio is the group-commit batch size).
 */
import { Gauge, type Registry } from 'prom-client';
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
  }
}
