/** Server state: the durable store (SQLite) and the bounded in-memory hot set in front of it. */
export { Conversation, ConversationStore, conversationIdFor, type HotSetOptions, type Side, type StoredMessage, type VisitorProfile } from './conversations.js';
export { DataDirLockedError, DB_FILE, dbPath, lockDataDir, openDb, openMigrated, type DataDirLock, type Db } from './db.js';
export { migrate, MIGRATIONS, SchemaTooNewError, schemaVersion, type Migration } from './migrations.js';
export { MemoryOnlyStore, StoreUnavailableError, type ColdReader, type ConversationRow, type DurableStore, type StoreRecord } from './records.js';
export { JournalImportError, type ImportReport } from './legacy-import.js';
export { openStore, type OpenedStore, type StoreSettings } from './open.js';
export { MessageSearch, SearchSyntaxError } from './search.js';
