/** Server state: conversations in memory and the journal contract. */
export { Conversation, ConversationStore, conversationIdFor, type Side, type StoredMessage, type VisitorProfile } from './conversations.js';
export { JournalUnavailableError, NoJournal, type Journal, type JournalRecord } from './journal-types.js';
export { DataDirLockedError, DB_FILE, dbPath, lockDataDir, openDb, openMigrated, type DataDirLock, type Db } from './db.js';
export { migrate, MIGRATIONS, SchemaTooNewError, schemaVersion, type Migration } from './migrations.js';
