/**
 * The widget's IndexedDB (idb): the outbox, the cached timeline per
 * conversation, conversation info with its epoch, and meta (visitor token,
 * device id, primary conversation). Only IndexedDB is awaited inside a
 * transaction.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ConversationInfo, TimelineItem } from '../core/types.js';
import type { Announcement, OutgoingMessage } from '../core/index.js';

/** Messages kept per conversation: the newest ones. Older pages come from the server. */
export const CACHE_LIMIT = 500;

/** An outbox row: the message, whether it failed, and which tab holds it until when. */
export interface OutboxRecord extends OutgoingMessage {
  readonly failed: boolean;
  readonly error?: string;
  /** The tab that is sending it ('' for none). */
  readonly owner: string;
  /** The owner's claim ends then, ms; another tab may take it over after that. */
  readonly leaseUntilMs: number;
}

export interface ConversationRecord {
  readonly id: string;
  readonly epoch: string;
  readonly info: ConversationInfo;
}

interface ChatSchema extends DBSchema {
  outbox: { key: string; value: OutboxRecord; indexes: { byCreation: [number, string] } };
  messages: { key: [string, number]; value: TimelineItem };
  conversations: { key: string; value: ConversationRecord };
  meta: { key: string; value: string };
  /** Announcements held (DESIGN.md §6), by id; a recall deletes the row. */
  broadcasts: { key: string; value: Announcement };
}

/** v1: outbox, messages, conversations, meta. v2: broadcasts. */
const VERSION = 2;

/** Thrown when the database is gone (deleted by another tab or by the browser) and could not be reopened. */
export class StoreClosedError extends Error {
  readonly type = 'StoreClosed';
}

export class ChatStore {
  private db: IDBPDatabase<ChatSchema> | undefined;

  private constructor(readonly name: string) {}

  /** Opens (and creates or migrates) the database `name`. */
  static async open(name: string): Promise<ChatStore> {
    const store = new ChatStore(name);
    await store.connection();
    return store;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.connection()).get('meta', key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    await (await this.connection()).put('meta', value, key);
  }

  /** Outbox rows in creation order. */
  async outbox(): Promise<OutboxRecord[]> {
    return (await this.connection()).getAllFromIndex('outbox', 'byCreation');
  }

  async putOutbox(record: OutboxRecord): Promise<void> {
    await (await this.connection()).put('outbox', record);
  }

  async deleteOutbox(clientMsgId: string): Promise<void> {
    await (await this.connection()).delete('outbox', clientMsgId);
  }

  /**
   * Takes the lease on each of `ids` that no other live tab holds, in one
   * readwrite transaction (IndexedDB serialises those across tabs, so two
   * tabs never win the same row). Rows gone from the outbox are skipped.
   * @returns for each id: the claimed row, or the other owner's lease end.
   */
  async claimOutbox(ids: readonly string[], owner: string, nowMs: number, leaseMs: number): Promise<Map<string, OutboxRecord | number>> {
    const tx = (await this.connection()).transaction('outbox', 'readwrite');
    const result = new Map<string, OutboxRecord | number>();
    for (const id of ids) {
      const row = await tx.store.get(id);
      if (!row || row.failed) continue;
      if (row.owner && row.owner !== owner && row.leaseUntilMs > nowMs) {
        result.set(id, row.leaseUntilMs);
        continue;
      }
      const claimed = { ...row, owner, leaseUntilMs: nowMs + leaseMs };
      await tx.store.put(claimed);
      result.set(id, claimed);
    }
    await tx.done;
    return result;
  }

  /** The newest cached messages of a conversation, in seq order. */
  async messages(conversationId: string, limit = CACHE_LIMIT): Promise<TimelineItem[]> {
    const tx = (await this.connection()).transaction('messages');
    const out: TimelineItem[] = [];
    let cursor = await tx.store.openCursor(range(conversationId), 'prev');
    while (cursor && out.length < limit) {
      out.push(cursor.value);
      cursor = await cursor.continue();
    }
    await tx.done;
    return out.reverse();
  }

  /** Caches messages and trims the conversation to the newest `CACHE_LIMIT`. */
  async putMessages(conversationId: string, items: readonly TimelineItem[]): Promise<void> {
    const tx = (await this.connection()).transaction('messages', 'readwrite');
    for (const item of items) if (item.seq > 0) void tx.store.put(item, [conversationId, item.seq]);
    let extra = (await tx.store.count(range(conversationId))) - CACHE_LIMIT;
    let cursor = extra > 0 ? await tx.store.openCursor(range(conversationId)) : null;
    while (cursor && extra-- > 0) {
      void cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  async conversations(): Promise<ConversationRecord[]> {
    return (await this.connection()).getAll('conversations');
  }

  async putConversation(record: ConversationRecord): Promise<void> {
    await (await this.connection()).put('conversations', record);
  }

  /** Drops a conversation's cached messages (epoch change). */
  async clearMessages(conversationId: string): Promise<void> {
    await (await this.connection()).delete('messages', range(conversationId));
  }

  /** Every announcement held. */
  async announcements(): Promise<Announcement[]> {
    return (await this.connection()).getAll('broadcasts');
  }

  /** Stores and deletes announcements in one transaction, and keeps the broadcast cursor (Hello.broadcast_cursor) with them. */
  async applyAnnouncements(put: readonly Announcement[], drop: readonly string[], cursor: number): Promise<void> {
    const tx = (await this.connection()).transaction(['broadcasts', 'meta'], 'readwrite');
    const broadcasts = tx.objectStore('broadcasts');
    for (const a of put) void broadcasts.put(a);
    for (const id of drop) void broadcasts.delete(id);
    void tx.objectStore('meta').put(String(cursor), 'broadcast_cursor');
    await tx.done;
  }

  /** Forgets everything: token, device, cache, outbox, announcements (log-out). */
  async clearAll(): Promise<void> {
    const tx = (await this.connection()).transaction(['outbox', 'messages', 'conversations', 'meta', 'broadcasts'], 'readwrite');
    await Promise.all([tx.objectStore('outbox').clear(), tx.objectStore('messages').clear(),
      tx.objectStore('conversations').clear(), tx.objectStore('meta').clear(), tx.objectStore('broadcasts').clear(), tx.done]);
  }

  /**
   * The open database, reopened after the browser terminated it or another
   * tab's upgrade made us close it.
   */
  private async connection(): Promise<IDBPDatabase<ChatSchema>> {
    if (this.db) return this.db;
    try {
      this.db = await openDB<ChatSchema>(this.name, VERSION, {
        upgrade(db, oldVersion) {
          if (oldVersion < 1) {
            db.createObjectStore('outbox', { keyPath: 'clientMsgId' }).createIndex('byCreation', ['createdMs', 'clientMsgId']);
            db.createObjectStore('messages');
            db.createObjectStore('conversations', { keyPath: 'id' });
            db.createObjectStore('meta');
          }
          if (oldVersion < 2) db.createObjectStore('broadcasts', { keyPath: 'id' });
        },
        // An older tab keeps the old version open: it is asked to close (blocking) below; until then we wait.
        blocked: () => undefined,
        // A newer tab wants to upgrade: step aside; the next call reopens at the new version.
        blocking: () => this.close(),
        terminated: () => {
          this.db = undefined;
        },
      });
    } catch (error) {
      throw new StoreClosedError(`cannot open IndexedDB "${this.name}"`, { cause: error });
    }
    return this.db;
  }
}

function range(conversationId: string): IDBKeyRange {
  return IDBKeyRange.bound([conversationId, 0], [conversationId, Infinity]);
}
