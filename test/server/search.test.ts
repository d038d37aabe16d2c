/**
 * Full-text search (issue 12; server/src/store/search.ts, search-index.ts):
 * the migration step replaces the trigram index of a database written before
 * it and its old messages become searchable; nothing indexes inside a
 * commit (no triggers): the writer's indexer indexes committed messages
 * afterwards, picks up after a crash where its cursor stood, and retention's
 * deletes remove index entries; words are found by prefix, Chinese words
 * inside sentences, notes and events not at all; `GET /api/conversations?q=`
 * uses it over the whole history (also after a restart), and a query the
 * index cannot read is a clear 400. A hit carries an excerpt of the matching
 * message; a conversation the workbench list did not load (older than
 * CS_INBOX_CONVERSATIONS) is found, and opening it gives the agent its
 * summary. Index writes trail a commit, so checks of the API wait for
 * their condition.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, describe, test } from 'node:test';
import { migrate, MIGRATIONS } from '../../server/src/store/migrations.js';
import { openStore } from '../../server/src/store/open.js';
import { INDEX_DELAY_MS, SearchIndexer } from '../../server/src/store/search-index.js';
import { CRISISMERGE, SegmentMerger, USERMERGE } from '../../server/src/store/search-merge.js';
import { MessageSearch, SearchSyntaxError } from '../../server/src/store/search.js';
import { ApiClient, type ErrorBody } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

/** Retries `check` until it stops throwing (index writes may trail a commit), at most `timeoutMs`. */
async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-search-'));
  dirs.push(dir);
  return dir;
}

const TEXT = 0;
const NOTE = 4;
const EVENT = 3;

function addConversation(db: Database.Database, id: string, messages: readonly [kind: number, text: string][]): void {
  db.prepare("INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES (?, 'acme', ?, '', 'e1', 1, 0, 1, 0)").run(id, `v_${id}`);
  addMessages(db, id, messages);
}

function addMessages(db: Database.Database, id: string, messages: readonly [kind: number, text: string][]): number {
  const from = db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck().get(id) as number;
  const insert = db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES (?, ?, ?, 'v', 1, 'Visitor', ?, ?, 1)");
  db.transaction(() => messages.forEach(([kind, text], i) => insert.run(id, from + i + 1, `m${from + i + 1}`, kind, text)))();
  db.prepare('UPDATE conversations SET last_seq = ? WHERE id = ?').run(from + messages.length, id);
  return from + messages.length;
}

const OFF_COMMIT_PATH = MIGRATIONS.findIndex((m) => m.up.name === 'searchIndexOffCommitPath');
const MERGED_BY_STEPS = MIGRATIONS.findIndex((m) => m.up.name === 'searchIndexMergedBySteps');
const WIDE_LEVELS = MIGRATIONS.findIndex((m) => m.up.name === 'searchIndexWideLevels');
const WITHOUT_SIZES = MIGRATIONS.findIndex((m) => m.up.name === 'searchIndexWithoutSizes');

describe('full-text search over messages', () => {
  test('the upgrade from the trigram index keeps every message and makes the old ones searchable', () => {
    assert.ok(OFF_COMMIT_PATH > 0);
    const db = new Database(join(tempDir(), 'old.db'));
    migrate(db, MIGRATIONS.slice(0, OFF_COMMIT_PATH));
    addConversation(db, 'c_parcel', [[TEXT, 'Where is my Parcel? It was due Monday.'], [NOTE, 'secret discount code 4711'], [EVENT, 'alice claimed the conversation']]);
    addConversation(db, 'c_zh', [[TEXT, '请问这个花瓶可以寄到上海吗？']]);
    assert.equal(db.prepare("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'parcel'").pluck().get(), 1, 'indexed by the old triggers');
    const before = db.prepare('SELECT conversation_id, seq, text FROM messages ORDER BY conversation_id, seq').all();

    const { from, to } = migrate(db);
    assert.equal(from, OFF_COMMIT_PATH);
    assert.equal(to, MIGRATIONS.length);
    assert.deepEqual(db.prepare('SELECT conversation_id, seq, text FROM messages ORDER BY conversation_id, seq').all(), before, 'every old message survives as it was');
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('messages_fts', 'message_search_ids') OR type = 'trigger'").all(), [], 'the trigram index and its triggers are gone');

    const search = new MessageSearch(db);
    assert.equal(search.conversationIds('parcel').size, 0, 'not indexed yet: the writer indexes after start, not the migration');
    new SearchIndexer(db).drain();
    assert.deepEqual([...search.conversationIds('parcel')], ['c_parcel'], 'case-insensitive');
    assert.deepEqual([...search.conversationIds('due mon')], ['c_parcel'], 'all words, the last by prefix');
    assert.deepEqual([...search.conversationIds('Mon due')], ['c_parcel'], 'each word anywhere');
    assert.deepEqual([...search.conversationIds('花瓶')], ['c_zh'], 'a two-character Chinese word inside a sentence');
    assert.deepEqual([...search.conversationIds('上海')], ['c_zh']);
    assert.deepEqual([...search.conversationIds('海上')], [], 'the characters in that order');
    assert.equal(search.conversationIds('secret').size, 0, 'private notes are not searchable');
    assert.equal(search.conversationIds('claimed').size, 0, 'events are not searchable');
    assert.equal(search.conversationIds('zebra').size, 0);
    db.close();
  });

  test('messages are indexed after their commit, by the indexer; a new indexer picks up where the cursor stood; FTS syntax works, bad syntax is a SearchSyntaxError', () => {
    const db = new Database(join(tempDir(), 'new.db'));
    migrate(db);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").pluck().get(), 0, 'nothing indexes inside a commit');
    const search = new MessageSearch(db);
    addConversation(db, 'c_1', [[TEXT, 'I want a refund for the blue mug']]);
    addConversation(db, 'c_2', [[TEXT, 'Can I return the linen throw? 我想退货，杯子有裂缝']]);
    assert.equal(search.conversationIds('refund').size, 0, 'a commit alone indexes nothing');
    const indexer = new SearchIndexer(db);
    indexer.drain();
    assert.equal(indexer.indexed, 2);
    assert.deepEqual([...search.conversationIds('refund OR return')].sort(), ['c_1', 'c_2']);
    assert.deepEqual([...search.conversationIds('"blue mug"')], ['c_1']);
    assert.deepEqual([...search.conversationIds('"mug blue"')], []);
    assert.deepEqual([...search.conversationIds('lin*')], ['c_2']);
    assert.deepEqual([...search.conversationIds('lin')], ['c_2'], 'a plain word matches by prefix');
    assert.deepEqual([...search.conversationIds('I')].sort(), ['c_1', 'c_2'], 'a one-letter word');
    assert.deepEqual([...search.conversationIds('杯子 OR 花瓶')], ['c_2'], 'Chinese words in a query with syntax');
    assert.deepEqual([...search.conversationIds('"杯子有裂缝"')], ['c_2']);
    assert.deepEqual([...search.conversationIds('?')], [], 'no word: nothing, not an error');

    const seq = addMessages(db, 'c_1', [[TEXT, 'Also the teapot lid is chipped']]);
    assert.equal(search.conversationIds('teapot').size, 0);
    assert.equal(indexer.dueInMs(), undefined, 'nothing waits');
    indexer.committed('c_1', seq);
    assert.equal(indexer.slice(), true, 'one slice, and it wrote a segment: a merge step is due');
    assert.equal(indexer.dueInMs(), 0);
    assert.equal(indexer.slice(), false, 'the step found no level to merge: nothing left');
    assert.deepEqual([...search.conversationIds('teapot')], ['c_1']);

    // A crash after a commit, before its slice: the cursor still stands before the message, and the next start walks to it.
    addMessages(db, 'c_2', [[TEXT, 'hello again about the throw']]);
    new SearchIndexer(db).drain();
    assert.deepEqual([...search.conversationIds('hello')], ['c_2']);
    assert.deepEqual(db.prepare('SELECT conversation_id, indexed_seq FROM search_cursors ORDER BY conversation_id').all(), [
      { conversation_id: 'c_1', indexed_seq: 2 },
      { conversation_id: 'c_2', indexed_seq: 2 },
    ]);

    for (const bad of ['"unbalanced', 'refund AND', '(blue', 'NOT', 'nosuchcolumn: mug']) assert.throws(() => search.conversationIds(bad), SearchSyntaxError, bad);
    db.close();
  });

  test('FTS5 does not merge inside the index writes; merge steps do, between the slices, and everything stays found', () => {
    const db = new Database(join(tempDir(), 'merge.db'));
    migrate(db);
    assert.equal(db.prepare("SELECT v FROM search_index_config WHERE k = 'automerge'").pluck().get(), 0, 'automerge off, by the migration');
    const search = new MessageSearch(db);
    const segments = (): number => db.prepare('SELECT count(*) FROM search_index_data WHERE id > 10').pluck().get() as number;
    const merger = new SegmentMerger(db);
    addConversation(db, 'c_0', [[TEXT, 'first words']]);
    const indexer = new SearchIndexer(db);
    indexer.drain();
    const steps = indexer.merger.steps;
    assert.equal(merger.step(), false, 'one segment: nothing to merge');

    // Forty slices, each its own segment: at sixteen segments on a level, a step merges them.
    for (let i = 1; i <= 40; i++) {
      const seq = addMessages(db, 'c_0', Array.from({ length: 20 }, (_, j) => [TEXT, `slice${i} word${j} refund`] as [number, string]));
      indexer.committed('c_0', seq, 20);
      assert.equal(indexer.mergesNext, false, `slice ${i}: what waits is indexed first`);
      assert.equal(indexer.slice(), true, `slice ${i}`);
      // Its merge steps (what the writer thread times as 'segments', apart from the slices).
      while (indexer.mergesNext) {
        const before = indexer.merger.steps;
        indexer.slice();
        assert.ok(indexer.merger.steps >= before, 'a step');
      }
      assert.equal(indexer.slice(), false, `slice ${i}: nothing left`);
    }
    assert.ok(indexer.merger.steps > steps, `the indexer ran merge steps that merged (${indexer.merger.steps - steps})`);
    assert.equal(search.conversationIds('slice7').size, 1, 'merged segments still find every word');
    assert.equal(search.conversationIds('first').size, 1);
    const merged = segments();

    // The same forty slices with no steps between them: more pages, since nothing merged.
    const db2 = new Database(join(tempDir(), 'unmerged.db'));
    migrate(db2);
    addConversation(db2, 'c_0', [[TEXT, 'first words']]);
    for (let i = 1; i <= 40; i++) {
      addMessages(db2, 'c_0', Array.from({ length: 20 }, (_, j) => [TEXT, `slice${i} word${j} refund`] as [number, string]));
      db2.prepare("INSERT INTO search_index (rowid, text) SELECT (1 << 32) + seq, text FROM messages WHERE seq > ? AND seq <= ?").run((i - 1) * 20 + 1, i * 20 + 1);
    }
    const unmerged = db2.prepare('SELECT count(*) FROM search_index_data WHERE id > 10').pluck().get() as number;
    assert.ok(merged < unmerged, `merged ${merged} data rows, unmerged ${unmerged}`);
    db2.close();
    db.close();
  });

  test('a database indexed before merge steps upgrades: automerge goes off, every indexed word is still found, and new slices merge', () => {
    const db = new Database(join(tempDir(), 'before-steps.db'));
    migrate(db, MIGRATIONS.slice(0, MERGED_BY_STEPS));
    assert.equal(db.prepare("SELECT v FROM search_index_config WHERE k = 'automerge'").pluck().get(), undefined, 'FTS5’s default (4) before the step');
    addConversation(db, 'c_old', [[TEXT, 'an order from before the upgrade']]);
    for (let i = 1; i <= 6; i++) addMessages(db, 'c_old', [[TEXT, `older message number${i}`]]);
    const before = new SearchIndexer(db);
    before.drain();
    // Up to the step that indexes everything again (its own test: search-sizes.test.ts).
    const { from, to } = migrate(db, MIGRATIONS.slice(0, WITHOUT_SIZES));
    assert.equal(to - from, WITHOUT_SIZES - MERGED_BY_STEPS, 'only the new steps ran');
    assert.equal(db.prepare("SELECT v FROM search_index_config WHERE k = 'automerge'").pluck().get(), 0);
    const search = new MessageSearch(db);
    assert.deepEqual([...search.conversationIds('upgrade')], ['c_old']);
    assert.deepEqual([...search.conversationIds('number6')], ['c_old']);
    assert.equal(db.prepare('SELECT count(*) FROM messages').pluck().get(), 7, 'no message touched');
    const after = new SearchIndexer(db);
    for (let i = 1; i <= 20; i++) {
      const seq = addMessages(db, 'c_old', [[TEXT, `newer message word${i}`]]);
      after.committed('c_old', seq);
      while (after.slice()) {
        // the slice, then its merge steps
      }
    }
    assert.ok(after.merger.steps > 0, 'segments written after the upgrade are merged by the steps');
    assert.deepEqual([...search.conversationIds('word8 OR number1')], ['c_old']);
    db.close();
  });

  test('a level merges at sixteen segments, and no write merges below sixty-four; a database from before gets both', () => {
    const db = new Database(join(tempDir(), 'wide.db'));
    migrate(db, MIGRATIONS.slice(0, WIDE_LEVELS));
    const config = (k: string): unknown => db.prepare('SELECT v FROM search_index_config WHERE k = ?').pluck().get(k);
    assert.equal(config('usermerge'), undefined, 'FTS5’s default (4) before the step');
    addConversation(db, 'c_0', [[TEXT, 'from before the step']]);
    new SearchIndexer(db).drain();
    const { from, to } = migrate(db, MIGRATIONS.slice(0, WITHOUT_SIZES));
    assert.equal(to - from, 1, 'only the new step ran');
    assert.equal(config('usermerge'), USERMERGE);
    assert.equal(config('crisismerge'), CRISISMERGE);
    assert.ok(USERMERGE === 16 && CRISISMERGE > USERMERGE);

    // Fifteen slices after the one above: sixteen segments; no step merges before the last.
    const indexer = new SearchIndexer(db);
    const slice = (i: number): void => {
      const seq = addMessages(db, 'c_0', Array.from({ length: 5 }, (_, j) => [TEXT, `wide${i} word${j}`] as [number, string]));
      indexer.committed('c_0', seq, 5);
      while (indexer.slice()) {
        // the slice, then any merge step
      }
    };
    for (let i = 1; i <= 14; i++) slice(i);
    assert.equal(indexer.merger.steps, 0, 'fifteen segments on a level: nothing merged');
    slice(15);
    assert.ok(indexer.merger.steps > 0, 'the sixteenth segment: a step merges the level');

    // Writes alone (no steps) never merge inside the write below sixty-four segments: each writes about the same.
    const changes = db.prepare('SELECT total_changes()').pluck();
    const written: number[] = [];
    for (let i = 1; i <= 40; i++) {
      const seq = addMessages(db, 'c_0', Array.from({ length: 5 }, (_, j) => [TEXT, `alone${i} word${j}`] as [number, string]));
      const before = changes.get() as number;
      db.prepare('INSERT INTO search_index (rowid, text) SELECT (1 << 32) + seq, text FROM messages WHERE seq > ? AND seq <= ?').run(seq - 5, seq);
      written.push((changes.get() as number) - before);
    }
    assert.ok(Math.max(...written) <= 2 * Math.min(...written), `no write merged: rows written per write ${written.join(' ')}`);
    for (const word of ['before', 'wide7', 'alone33']) assert.deepEqual([...new MessageSearch(db).conversationIds(word)], ['c_0'], `${word} found`);
    db.close();
  });

  test('a slice is due once a slice of messages waits or the first has waited INDEX_DELAY_MS', () => {
    const db = new Database(join(tempDir(), 'due.db'));
    migrate(db);
    let clock = 1000;
    const indexer = new SearchIndexer(db, () => clock);
    assert.equal(indexer.dueInMs(), 0, 'the start-up walk is due at once');
    indexer.drain();
    assert.equal(indexer.dueInMs(), undefined);
    addConversation(db, 'c_1', [[TEXT, 'first']]);
    indexer.committed('c_1', 1);
    assert.equal(indexer.dueInMs(), INDEX_DELAY_MS);
    clock += INDEX_DELAY_MS - 1;
    assert.equal(indexer.dueInMs(), 1);
    clock += 1;
    assert.equal(indexer.dueInMs(), 0);
    indexer.drain();
    assert.equal(indexer.dueInMs(), undefined);
    const last = addMessages(db, 'c_1', Array.from({ length: 2000 }, (_, i) => [TEXT, `message ${i}`] as [number, string]));
    indexer.committed('c_1', last, 2000);
    assert.equal(indexer.dueInMs(), 0, 'a slice of messages waits: due without the delay');
    indexer.drain();
    assert.equal(db.prepare("SELECT indexed_seq FROM search_cursors WHERE conversation_id = 'c_1'").pluck().get(), last, 'a backlog beyond one slice is caught up by the next ones');
    db.close();
  });

  test('the writer thread indexes what it committed, and retention deletes the index entries with the messages', async () => {
    const dataDir = tempDir();
    const opened = openStore({ dataDir, commitMs: 1 });
    const db = new Database(join(dataDir, 'cs-chat.db'), { readonly: true });
    try {
      const search = new MessageSearch(db);
      const msg = (conversationId: string, seq: number, text: string) =>
        opened.durable.append({ t: 'msg', conversationId, seq, clientMsgId: `m${seq}`, senderId: 'v', senderRole: 1, senderName: '', kind: TEXT, text, serverTimeMs: 1, quoteSeq: 0, quickReplies: [] });
      const conversation = (id: string) => opened.durable.append({ t: 'conv', id, site: 'acme', visitorId: `v_${id}`, topic: '', epoch: 'e1', createdMs: 1 });
      await Promise.all([conversation('c_keep'), msg('c_keep', 1, 'keep this parcel'), conversation('c_gone'), ...Array.from({ length: 2500 }, (_, i) => msg('c_gone', i + 1, `parcel number ${i + 1}`))]);
      await eventually(() => assert.deepEqual([...search.conversationIds('parcel')].sort(), ['c_gone', 'c_keep']));
      await eventually(() => assert.equal(db.prepare("SELECT indexed_seq FROM search_cursors WHERE conversation_id = 'c_gone'").pluck().get(), 2500));
      await opened.durable.purge(['c_gone'], 'epoch-salt');
      assert.deepEqual([...search.conversationIds('parcel')], ['c_keep']);
      assert.equal(db.prepare("SELECT count(*) FROM search_index WHERE search_index MATCH 'number'").pluck().get(), 0, 'no entry of the deleted messages is left');
      assert.equal(db.prepare("SELECT count(*) FROM search_cursors WHERE conversation_id = 'c_gone'").pluck().get(), 0);
    } finally {
      db.close();
      await opened.close();
    }
  });

  test('GET /api/conversations?q= searches the whole stored history, across a restart, and answers bad syntax with 400', async () => {
    const dataDir = tempDir();
    const apiToken = 'api-token-0123456789abcdefghij';
    let server = await startTestServer({ dataDir, apiToken });
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    await visitor.send({ text: 'My order of beeswax candles never arrived' });
    for (let i = 0; i < 5; i++) await visitor.send({ text: `follow-up ${i}` });
    const id = visitor.conversationId;
    await visitor.close();
    const other = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    await other.send({ text: '我想退货，杯子有裂缝' });
    const zhId = other.conversationId;
    await other.close();

    const search = async (q: string) => {
      const api = new ApiClient(server.url);
      return api.get<{ conversations: { id: string }[] } & Partial<ErrorBody>>(`/api/conversations?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${apiToken}` } });
    };
    const ids = async (q: string) => (await search(q)).body.conversations.map((c) => c.id);
    // The index lags the Ack by a moment.
    await eventually(async () => assert.deepEqual(await ids('BEESWAX'), [id]));
    await eventually(async () => assert.deepEqual(await ids('裂缝'), [zhId]));
    assert.deepEqual(await ids('"never arrived"'), [id]);
    assert.deepEqual(await ids('cand'), [id], 'a word by its beginning');
    const bad = await search('"never arrived');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.code, 'bad_request');
    assert.match(bad.body.error?.message ?? '', /q is not a search the index can read/);

    await server.close();
    server = await startTestServer({ dataDir, apiToken });
    try {
      await eventually(async () => assert.deepEqual(await ids('beeswax candles'), [id], 'found after a restart, from the index on disk'));
    } finally {
      await server.close();
    }
  });

  test('a hit carries an excerpt of its newest matching message; a conversation the agent list did not load is found and, opened, summarised', async () => {
    const apiToken = 'api-token-0123456789abcdefghij';
    const server = await startTestServer({ dataDir: tempDir(), apiToken, inboxConversations: 2, coalesceMs: 50 });
    try {
      const old = await ProtoClient.open(server.wsUrl, { site: 'acme' });
      await old.send({ text: 'Hello! I ordered the terracotta planter, size L, three weeks ago and it has still not shipped. Can you check?' });
      await old.send({ text: 'Order number is 5521.' });
      const oldId = old.conversationId;
      await old.close();
      for (let i = 0; i < 3; i++) {
        const newer = await ProtoClient.open(server.wsUrl, { site: 'acme' });
        await newer.send({ text: `Newer question ${i}` });
        await newer.close();
      }
      const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
      const listed = (agent.welcome?.conversations ?? []).map((c) => c.id);
      assert.equal(listed.length, 2, 'the agent list holds the newest two');
      assert.ok(!listed.includes(oldId), 'the planter conversation is not in it');

      type Hit = { id: string; preview: string; match?: { seq: number; text: string; sent_at: number } };
      const api = new ApiClient(server.url);
      const search = (q: string) => api.get<{ conversations: Hit[]; has_more: boolean }>(`/api/conversations?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${apiToken}` } });
      await eventually(async () => {
        const { body } = await search('terracotta');
        assert.deepEqual(body.conversations.map((c) => c.id), [oldId]);
        const hit = body.conversations[0]!;
        assert.equal(hit.preview, 'Order number is 5521.', 'the preview is still the newest message');
        assert.equal(hit.match?.seq, 1, 'the excerpt is of the message that matched');
        assert.match(hit.match?.text ?? '', /the terracotta planter/);
        assert.ok((hit.match?.text.length ?? 0) <= 125, `an excerpt, not the whole text: ${hit.match?.text}`);
        assert.ok((hit.match?.sent_at ?? 0) > 0);
        assert.equal(body.has_more, false);
      });
      const { body: phrase } = await search('"still not shipped"');
      assert.match(phrase.conversations[0]?.match?.text ?? '', /still not shipped/, 'a quoted phrase finds its excerpt too');
      // Each conversation's messages are indexed a moment after their commit, not all at once: wait for all three.
      await eventually(async () => {
        const { body: questions } = await api.get<{ conversations: Hit[]; has_more: boolean }>('/api/conversations?q=question&limit=2', { headers: { Authorization: `Bearer ${apiToken}` } });
        assert.equal(questions.conversations.length, 2);
        assert.equal(questions.has_more, true, 'three matched, two were asked for');
      });

      // The summary comes with the Subscribe itself: frames are handled in order, so it is there before the answer to the Sync sent right after
      // (a coalesced notice of the store's own, which may come at any moment, cannot stand in for it in that window of a few ms).
      const summaryOf = (f: (typeof agent.frames)[number]): boolean => (f.inboxUpdate?.conversation?.id ?? f.inboxBatch?.updates?.[0]?.conversation?.id) === oldId;
      const mark = agent.mark();
      agent.sendFrame({ subscribe: { conversationId: oldId } });
      await agent.sync({ conversationId: oldId, afterSeq: 2 });
      const frame = agent.frames.slice(mark).find(summaryOf);
      assert.ok(frame, 'the opened conversation is summarised before the Sync after the Subscribe is answered');
      const update = frame.inboxUpdate ?? frame.inboxBatch?.updates?.[0];
      assert.equal(update?.preview, 'Order number is 5521.');
      await agent.close();
    } finally {
      await server.close();
    }
  });
});
