/**
 * SqliteStore: the durable store of DESIGN.md §5 on `CS_DATA_DIR/cs-chat.db`.
 * Writes go to the writer thread (writer.ts, group commit off the main
 * thread); reads of what is not in the hot set (older history pages, dedup of
 * a retry whose message left memory, conversations not loaded yet) use a
 * read-only connection on the main thread. WAL mode lets that connection read
 * while the writer commits; each read is one indexed statement of
 * microseconds, never a scan of the history.
 *
 * Visitor profiles follow the rule "a visitor who never writes leaves
 * nothing durable": a profile (from a signed identity) is held in memory
 * until the visitor's first message creates their row, and written at once
 * only for a visitor who already has one.
 */
import { cs } from '../../../proto/gen/chat.js';
import { openDb, type Db } from './db.js';
import type { BrowseFilter, ColdReader, ConversationRow, DurableStore, StoreRecord, StoredMessage, VisitorProfile } from './records.js';
import { StoreWriter, type StoreWriterOptions } from './writer.js';
import type { JobDurations } from './writer-timings.js';

/** Most profiles of not-yet-written visitors held in memory (oldest dropped first). */
const PENDING_PROFILES_MAX = 10_000;
const ROLE_VISITOR = cs.v1.Role.VISITOR;
const STATUS_RESOLVED = cs.v1.ConversationStatus.RESOLVED;

interface MessageRow {
  conversation_id: string;
  seq: number;
  client_msg_id: string;
  sender_id: string;
  sender_role: number;
  sender_name: string;
  kind: number;
  text: string;
  server_time_ms: number;
  quote_seq: number;
  quick_replies: string;
}

interface ConversationDbRow {
  id: string;
  site: string;
  visitor_id: string;
  topic: string;
  epoch: string;
  created_ms: number;
  last_seq: number;
  last_activity_ms: number;
  status: number;
  assignee_id: string;
  visitor_read: number | null;
  visitor_delivered: number | null;
  agent_read: number | null;
  agent_delivered: number | null;
}

const CONVERSATION_COLUMNS = `c.id, c.site, c.visitor_id, c.topic, c.epoch, c.created_ms, c.last_seq, c.last_activity_ms, c.status, c.assignee_id,
  v.read_seq AS visitor_read, v.delivered_seq AS visitor_delivered, a.read_seq AS agent_read, a.delivered_seq AS agent_delivered
  FROM conversations c
  LEFT JOIN cursors v ON v.conversation_id = c.id AND v.side = 'visitor'
  LEFT JOIN cursors a ON a.conversation_id = c.id AND a.side = 'agent'`;

function toMessage(row: MessageRow): StoredMessage {
  return {
    conversationId: row.conversation_id,
    seq: row.seq,
    clientMsgId: row.client_msg_id,
    senderId: row.sender_id,
    senderRole: row.sender_role,
    senderName: row.sender_name,
    kind: row.kind,
    text: row.text,
    serverTimeMs: row.server_time_ms,
    quoteSeq: row.quote_seq,
    quickReplies: row.quick_replies ? (JSON.parse(row.quick_replies) as string[]) : [],
  };
}

function toConversation(row: ConversationDbRow): ConversationRow {
  return {
    id: row.id,
    site: row.site,
    visitorId: row.visitor_id,
    topic: row.topic,
    epoch: row.epoch,
    createdMs: row.created_ms,
    lastSeq: row.last_seq,
    lastActivityMs: row.last_activity_ms,
    status: row.status,
    assigneeId: row.assignee_id,
    visitorReadSeq: row.visitor_read ?? 0,
    visitorDeliveredSeq: row.visitor_delivered ?? 0,
    agentReadSeq: row.agent_read ?? 0,
    agentDeliveredSeq: row.agent_delivered ?? 0,
  };
}

/** The main thread's read connection as a ColdReader. */
export class SqliteReader implements ColdReader {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      conversation: db.prepare(`SELECT ${CONVERSATION_COLUMNS} WHERE c.id = ?`),
      messages: db.prepare('SELECT * FROM messages WHERE conversation_id = ? AND seq BETWEEN ? AND ? ORDER BY seq'),
      duplicate: db.prepare('SELECT seq FROM messages WHERE conversation_id = ? AND sender_id = ? AND client_msg_id = ?').pluck(),
      // Served by the dedup index alone (it holds both columns).
      clientIds: db.prepare('SELECT sender_id, client_msg_id FROM messages WHERE conversation_id = ?').raw(),
      countVisitor: db.prepare('SELECT count(*) FROM messages WHERE conversation_id = ? AND seq > ? AND seq <= ? AND sender_role = ?').pluck(),
      ofVisitor: db.prepare(`SELECT ${CONVERSATION_COLUMNS} WHERE c.visitor_id = ? ORDER BY c.last_activity_ms DESC LIMIT ?`),
      countOfVisitor: db.prepare('SELECT count(*) FROM conversations WHERE visitor_id = ?').pluck(),
      inbox: db.prepare(`SELECT ${CONVERSATION_COLUMNS} ORDER BY c.last_activity_ms DESC LIMIT ?`),
      // NULL filters match everything; the activity (or status + activity) index serves the order.
      browse: db.prepare(
        `SELECT ${CONVERSATION_COLUMNS} WHERE (@status IS NULL OR c.status = @status) AND (@site IS NULL OR c.site = @site)
           AND (@assignee IS NULL OR c.assignee_id = @assignee) ORDER BY c.last_activity_ms DESC LIMIT @limit`,
      ),
      textContains: db
        .prepare(
          `SELECT 1 FROM messages WHERE conversation_id = ? AND seq > ?
             AND kind NOT IN (${cs.v1.MessageKind.EVENT}, ${cs.v1.MessageKind.NOTE}) AND instr(lower(text), ?) > 0 LIMIT 1`,
        )
        .pluck(),
      sites: db.prepare('SELECT DISTINCT site FROM conversations ORDER BY site').pluck(),
      visitor: db.prepare('SELECT id, user_id, name, email FROM visitors WHERE id = ?'),
      assignees: db.prepare("SELECT DISTINCT assignee_id FROM conversations WHERE assignee_id != ''").pluck(),
      expired: db.prepare('SELECT id FROM conversations WHERE status = ? AND last_activity_ms < ? ORDER BY last_activity_ms LIMIT ?').pluck(),
      epochSalt: db.prepare("SELECT value FROM meta WHERE key = 'epoch_salt'").pluck(),
    };
  }

  conversation(id: string): ConversationRow | undefined {
    const row = this.statements.conversation.get(id) as ConversationDbRow | undefined;
    return row ? toConversation(row) : undefined;
  }

  messages(conversationId: string, fromSeq: number, toSeq: number): StoredMessage[] {
    return (this.statements.messages.all(conversationId, fromSeq, toSeq) as MessageRow[]).map(toMessage);
  }

  findDuplicate(conversationId: string, senderId: string, clientMsgId: string): number {
    return (this.statements.duplicate.get(conversationId, senderId, clientMsgId) as number | undefined) ?? 0;
  }

  clientIds(conversationId: string): Iterable<[senderId: string, clientMsgId: string]> {
    return this.statements.clientIds.iterate(conversationId) as Iterable<[string, string]>;
  }

  countVisitorMessages(conversationId: string, afterSeq: number, toSeq: number): number {
    return this.statements.countVisitor.get(conversationId, afterSeq, toSeq, ROLE_VISITOR) as number;
  }

  conversationsOfVisitor(visitorId: string, limit: number): ConversationRow[] {
    return (this.statements.ofVisitor.all(visitorId, limit) as ConversationDbRow[]).map(toConversation);
  }

  countOfVisitor(visitorId: string): number {
    return this.statements.countOfVisitor.get(visitorId) as number;
  }

  inbox(limit: number): ConversationRow[] {
    return (this.statements.inbox.all(limit) as ConversationDbRow[]).map(toConversation);
  }

  browse(filter: BrowseFilter, limit: number): ConversationRow[] {
    const rows = this.statements.browse.all({ status: filter.status ?? null, site: filter.site ?? null, assignee: filter.assigneeId ?? null, limit });
    return (rows as ConversationDbRow[]).map(toConversation);
  }

  textContains(conversationId: string, afterSeq: number, needle: string): boolean {
    return this.statements.textContains.get(conversationId, afterSeq, needle) !== undefined;
  }

  sites(): string[] {
    return this.statements.sites.all() as string[];
  }

  visitor(visitorId: string): VisitorProfile | undefined {
    const row = this.statements.visitor.get(visitorId) as { id: string; user_id: string; name: string; email: string } | undefined;
    return row ? { visitorId: row.id, userId: row.user_id, name: row.name, email: row.email } : undefined;
  }

  assignees(): string[] {
    return this.statements.assignees.all() as string[];
  }

  expired(beforeMs: number, limit: number): string[] {
    return this.statements.expired.all(STATUS_RESOLVED, beforeMs, limit) as string[];
  }

  epochSalt(): string {
    return (this.statements.epochSalt.get() as string | undefined) ?? '';
  }
}

export interface SqliteStoreOptions extends StoreWriterOptions {}

export class SqliteStore implements DurableStore {
  readonly persistent = true;
  readonly reader: SqliteReader;
  private readonly writer: StoreWriter;
  private readonly readDb: Db;
  /** Profiles of visitors without a row yet, written with their first conversation. */
  private readonly pendingProfiles = new Map<string, StoreRecord & { t: 'visitor' }>();

  /** Opens an already migrated database (see openMigrated) for serving. */
  constructor(
    readonly dataDir: string,
    options: SqliteStoreOptions = {},
  ) {
    this.writer = new StoreWriter(dataDir, options);
    // Read-write open with query_only: a read-only open of a WAL database fails when no -shm file exists yet.
    this.readDb = openDb(dataDir);
    this.readDb.pragma('query_only = ON');
    this.reader = new SqliteReader(this.readDb);
  }

  get healthy(): boolean {
    return this.writer.healthy;
  }

  /** Commit counters (metrics, tests). */
  get stats(): StoreWriter['stats'] {
    return this.writer.stats;
  }

  append(record: StoreRecord): Promise<void> {
    if (record.t === 'visitor') {
      if (!this.reader.visitor(record.visitorId)) {
        this.pendingProfiles.delete(record.visitorId);
        this.pendingProfiles.set(record.visitorId, record);
        if (this.pendingProfiles.size > PENDING_PROFILES_MAX) this.pendingProfiles.delete(this.pendingProfiles.keys().next().value as string);
        return Promise.resolve();
      }
      return this.writer.write(record);
    }
    if (record.t === 'conv') {
      const profile = this.pendingProfiles.get(record.visitorId);
      const stored = this.writer.write(record);
      if (!profile) return stored;
      this.pendingProfiles.delete(record.visitorId);
      return Promise.all([stored, this.writer.write(profile)]).then(
        () => undefined,
        (error: unknown) => {
          this.pendingProfiles.set(record.visitorId, profile); // written with the next try
          throw error;
        },
      );
    }
    return this.writer.write(record);
  }

  purge(conversationIds: readonly string[], epochSalt: string): Promise<void> {
    return this.writer.purge(conversationIds, epochSalt);
  }

  /** Resolves once everything appended before can be read back through `reader` (tests, tools; the server never waits for it). */
  merged(): Promise<void> {
    return this.writer.merge();
  }

  /** Calls `listener` with the writer thread's job durations, about once a second (metrics). */
  onWriterTimings(listener: (timings: JobDurations) => void): void {
    this.writer.onTimings = listener;
  }

  onReadable(listener: (conversationId: string, seq: number) => void): void {
    this.writer.onMerged = (merged) => {
      for (const { conversationId, seq } of merged) listener(conversationId, seq);
    };
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.readDb.close();
  }
}
