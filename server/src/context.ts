/** What every handler and pipeline step gets: the server's state and services for one instance. */
import type { Logger } from 'pino';
import type { AccountService } from './accounts/index.js';
import type { Keys } from './gateway/auth.js';
import type { Hub } from './gateway/hub.js';
import type { ServerMetrics } from './http/metrics.js';
import type { ServerOptions } from './options.js';
import type { WordFilter } from './pipeline/filter.js';
import type { ConversationStore } from './store/conversations.js';
import type { Journal } from './store/journal-types.js';

export interface ServerContext {
  readonly options: ServerOptions;
  readonly keys: Keys;
  readonly store: ConversationStore;
  readonly journal: Journal;
  readonly hub: Hub;
  readonly metrics: ServerMetrics;
  readonly filter: WordFilter;
  /** Staff accounts, sessions and the merchant's live settings. */
  readonly accounts: AccountService;
  readonly log: Logger;
  /** Clock, ms since the epoch (injected for tests). */
  now(): number;
  /** True once shutdown began: no new sessions, /healthz answers 503. */
  shuttingDown: boolean;
}
