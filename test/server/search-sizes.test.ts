/**
 * The search index without per-row sizes (issue 16's CPU per message with
 * the store on; server/src/store/search-index.ts, Shape on disk): the
 * migration step replaces an index made with `contentless_delete=1` (and its
 * `search_index_docsize`, a row per message) by one with `columnsize=0`,
 * keeps the merge settings, and the indexer indexes the stored history
 * again; retention deletes entries with FTS5's `delete` command, which needs
 * the text that was indexed, so the index is compared term by term (counts
 * of rows and of occurrences, `fts5vocab`) with one built from scratch out
 * of the messages that remain: a delete with other words than were indexed
 * leaves a difference there that no FTS5 check reports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, describe, test } from 'node:test';
import { migrate, MIGRATIONS } from '../../server/src/store/migrations.js';
import { SearchIndexer } from '../../server/src/store/search-index.js';
import { CRISISMERGE, USERMERGE } from '../../server/src/store/search-merge.js';
import { indexText, MessageSearch } from '../../server/src/store/search.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function dbFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-search-sizes-'));
  dirs.push(dir);
  return join(dir, name);
}

const TEXT = 0;
const NOTE = 4;
const WITHOUT_SIZES = MIGRATIONS.findIndex((m) => m.up.name === 'searchIndexWithoutSizes');

function addConversation(db: Database.Database, id: string, texts: readonly [kind: number, text: string][]): number {
  db.prepare("INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES (?, 'acme', ?, '', 'e1', 1, 0, 1, 0)").run(id, `v_${id}`);
  const insert = db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES (?, ?, ?, 'v', 1, 'Visitor', ?, ?, 1)");
  db.transaction(() => texts.forEach(([kind, text], i) => insert.run(id, i + 1, `m${i + 1}`, kind, text)))();
  db.prepare('UPDATE conversations SET last_seq = ? WHERE id = ?').run(texts.length, id);
  return texts.length;
}

/** Every term of `search_index` with the rows and occurrences FTS5 counts for it. */
function terms(db: Database.Database, schema = 'main'): { term: string; doc: number; cnt: number }[] {
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab_${schema} USING fts5vocab(${schema}, search_index, 'row')`);
  return db.prepare(`SELECT term, doc, cnt FROM temp.vocab_${schema} ORDER BY term`).all() as { term: string; doc: number; cnt: number }[];
}

/** The terms an index built from scratch holds for the messages of `db` up to each conversation's cursor (notes and events left out). */
function expectedTerms(db: Database.Database): { term: string; doc: number; cnt: number }[] {
  const fresh = new Database(':memory:');
  fresh.exec("CREATE VIRTUAL TABLE search_index USING fts5(text, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2')");
  const rows = db
    .prepare(
      `SELECT (k.key << 32) + m.seq AS rowid, m.text FROM messages m JOIN search_cursors k ON k.conversation_id = m.conversation_id
       WHERE m.seq <= k.indexed_seq AND m.kind NOT IN (3, 4)`,
    )
    .all() as { rowid: number; text: string }[];
  const insert = fresh.prepare('INSERT INTO search_index (rowid, text) VALUES (?, ?)');
  fresh.transaction(() => rows.forEach((r) => insert.run(r.rowid, indexText(r.text))))();
  const found = terms(fresh);
  fresh.close();
  return found;
}

const WORDS = ['parcel', 'refund', 'linen', 'teapot', 'Café', '杯子'];
const text = (i: number): string => `${WORDS[i % WORDS.length]} number${i} ${WORDS[(i * 7) % WORDS.length]} again`;

describe('the search index without per-row sizes', () => {
  test('an index from before keeps no row per message after the upgrade, keeps its merge settings, and the indexer indexes every stored message again', () => {
    const db = new Database(dbFile('before.db'));
    migrate(db, MIGRATIONS.slice(0, WITHOUT_SIZES));
    addConversation(db, 'c_a', [[TEXT, 'an order from before the upgrade'], [NOTE, 'private note about the order'], ...Array.from({ length: 300 }, (_, i) => [TEXT, text(i)] as [number, string])]);
    addConversation(db, 'c_b', [[TEXT, 'where is my parcel 我的杯子']]);
    new SearchIndexer(db).drain();
    const table = (name: string): unknown => db.prepare("SELECT count(*) FROM sqlite_master WHERE name = ?").pluck().get(name);
    assert.equal(table('search_index_docsize'), 1, 'before the step: a size row per message');
    assert.equal(db.prepare('SELECT count(*) FROM search_index_docsize').pluck().get(), 302);

    const { from, to } = migrate(db);
    assert.equal(to - from, MIGRATIONS.length - WITHOUT_SIZES, 'only the new step ran');
    assert.equal(table('search_index_docsize'), 0, 'no size rows');
    assert.match(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'search_index'").pluck().get() as string, /columnsize = 0/);
    const config = (k: string): unknown => db.prepare('SELECT v FROM search_index_config WHERE k = ?').pluck().get(k);
    assert.deepEqual([config('automerge'), config('usermerge'), config('crisismerge')], [0, USERMERGE, CRISISMERGE], 'the merge settings of the steps before');
    assert.deepEqual(db.prepare('SELECT conversation_id, indexed_seq FROM search_cursors ORDER BY conversation_id').all(), [
      { conversation_id: 'c_a', indexed_seq: 0 },
      { conversation_id: 'c_b', indexed_seq: 0 },
    ]);
    assert.equal(db.prepare('SELECT count(*) FROM messages').pluck().get(), 303, 'no message touched');

    const indexer = new SearchIndexer(db);
    indexer.drain();
    assert.equal(indexer.indexed, 302, 'every stored message but the note, indexed again');
    const search = new MessageSearch(db);
    assert.deepEqual([...search.conversationIds('upgrade')], ['c_a']);
    assert.deepEqual([...search.conversationIds('parcel')].sort(), ['c_a', 'c_b']);
    assert.deepEqual([...search.conversationIds('杯子')].sort(), ['c_a', 'c_b']);
    assert.deepEqual([...search.conversationIds('private')], [], 'notes stay out');
    assert.deepEqual(terms(db), expectedTerms(db), 'the same entries as an index built from scratch');
    db.close();
  });

  test('retention deletes exactly the entries that were indexed: whole conversations, chunks of one, and one indexed only in part', () => {
    const db = new Database(dbFile('purge.db'));
    migrate(db);
    const many = Array.from({ length: 400 }, (_, i) => [i % 50 === 7 ? NOTE : TEXT, text(i)] as [number, string]);
    for (const id of ['c_keep', 'c_gone', 'c_chunk', 'c_part']) addConversation(db, id, many);
    const indexer = new SearchIndexer(db);
    indexer.drain();
    // c_part: 150 more messages, of which the indexer has seen only the first 60 when retention comes.
    const insert = db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES ('c_part', ?, ?, 'v', 1, 'Visitor', 0, ?, 1)");
    for (let seq = 401; seq <= 550; seq++) insert.run(seq, `m${seq}`, `later words extra${seq} parcel`);
    indexer.committed('c_part', 460, 60);
    while (indexer.slice()) {
      // the slice, then its merge steps
    }
    assert.equal(db.prepare("SELECT indexed_seq FROM search_cursors WHERE conversation_id = 'c_part'").pluck().get(), 460);
    assert.deepEqual(terms(db), expectedTerms(db), 'before any delete');

    // As the writer thread does (writer-worker.ts 'purge'): the index first, then the messages.
    const purge = (id: string, from: number, to: number, last: boolean): void => {
      db.transaction(() => {
        indexer.purge(id, from, to, last);
        db.prepare('DELETE FROM messages WHERE conversation_id = ? AND seq >= ? AND seq < ?').run(id, from, to);
      })();
    };
    purge('c_gone', 0, 2 ** 32, true);
    purge('c_chunk', 1, 101, false);
    purge('c_chunk', 101, 201, false);
    assert.deepEqual(terms(db), expectedTerms(db), 'after deleting a whole conversation and two chunks of another');
    purge('c_part', 1, 501, false);
    assert.deepEqual(terms(db), expectedTerms(db), 'after deleting a conversation past its cursor');
    purge('c_part', 0, 2 ** 32, true);
    purge('c_chunk', 0, 2 ** 32, true);
    assert.deepEqual(terms(db), expectedTerms(db), 'after the rest');

    const search = new MessageSearch(db);
    assert.deepEqual([...search.conversationIds('parcel')], ['c_keep']);
    assert.deepEqual([...search.conversationIds('extra455 OR later')], [], 'nothing of c_part is left');
    assert.equal(db.prepare("SELECT count(*) FROM search_cursors WHERE conversation_id <> 'c_keep'").pluck().get(), 0);
    db.close();
  });
});
