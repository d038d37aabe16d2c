/** What the gateway's handlers get: the server's state and services for one instance. */
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/index.js';
import type { BroadcastService } from '../broadcast/index.js';
import type { ServerMetrics } from '../http/metrics.js';
import type { ServerOptions } from '../options.js';
import type { PipelineDeps } from '../pipeline/ports.js';
import type { ConversationStore } from '../store/conversations.js';
import type { DurableStore } from '../store/records.js';
import type { Keys } from './auth.js';
import type { Hub } from './hub.js';
import type { EmailService } from '../email/service.js';

export interface GatewayContext {
  readonly options: ServerOptions;
  readonly keys: Keys;
  readonly store: ConversationStore;
  /** The durable store (SQLite, or memory only with CS_JOURNAL=off). */
  readonly durable: DurableStore;
  readonly hub: Hub;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  /** Staff accounts, sessions and the merchant's live settings. */
  readonly accounts: AccountService;
  /** The public mailbox: announcements and their delivery (DESIGN.md §6). */
  readonly broadcasts: BroadcastService;
  /** Away mode, visitors' emails, outbound email (DESIGN.md §10). */
  readonly email: EmailService;
  /** What the pipeline steps get (Send, actions). */
  readonly pipeline: PipelineDeps;
  /** Clock, ms since the epoch (injected for tests). */
  now(): number;
  /** True once shutdown began: no new sessions. */
  shuttingDown: boolean;
}
