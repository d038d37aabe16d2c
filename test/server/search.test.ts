/**
 * Full-text search (issue 12; server/src/store/search.ts): the migration
 * step keeps old data and indexes it; the triggers keep the index current
 * on the writer's inserts and retention's deletes; words are found inside
 * text in any script, notes are not; `GET /api/conversations?q=` uses it
 * over the whole history (also after a restart), and a query the index
 * cannot read is a clear 400. A hit carries an excerpt of the matching
 * message; a conversation the workbench list did not load (older than
 * CS_INBOX_CONVERSATIONS) is found, and opening it gives the agent its
 * summary. Index writes may trail a commit, so checks of the API wait for
 * their condition.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, describe, test } from 'node:test';
import { migrate, MIGRATIONS } from '../../server/src/store/migrations.js';
import { MessageSearch, SearchSyntaxError } from '../../server/src/store/search.js';
import { ApiClient, type ErrorBody } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

/** Retries `check` until it stops throwing (index writes may trail a commit), at most `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
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
  db.prepare("INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES (?, 'acme', ?, '', 'e1', 1, ?, 1, 0)").run(id, `v_${id}`, messages.length);
  const insert = db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES (?, ?, ?, 'v', 1, 'Visitor', ?, ?, 1)");
  messages.forEach(([kind, text], i) => insert.run(id, i + 1, `m${i + 1}`, kind, text));
}

describe('full-text search over messages', () => {
  test('the migration keeps a database written before it and makes its messages searchable', () => {
    const db = new Database(join(tempDir(), 'old.db'));
    migrate(db, MIGRATIONS.slice(0, -1));
    addConversation(db, 'c_parcel', [[TEXT, 'Where is my Parcel? It was due Monday.'], [NOTE, 'secret discount code 4711'], [EVENT, 'alice claimed the conversation']]);
    addConversation(db, 'c_zh', [[TEXT, '请问这个花瓶可以寄到上海吗？']]);
    const before = db.prepare('SELECT conversation_id, seq, text FROM messages ORDER BY conversation_id, seq').all();

    const { from, to } = migrate(db);
    assert.equal(to - from, 1, 'one step: the index');
    assert.deepEqual(db.prepare('SELECT conversation_id, seq, text FROM messages ORDER BY conversation_id, seq').all(), before, 'every old message survives as it was');
    const search = new MessageSearch(db);
    assert.deepEqual([...search.conversationIds('parcel')], ['c_parcel'], 'case-insensitive, inside the text');
    assert.deepEqual([...search.conversationIds('due mon')], ['c_parcel'], 'all words, each anywhere');
    assert.deepEqual([...search.conversationIds('花瓶')], ['c_zh'], 'a two-character Chinese word inside a sentence');
    assert.deepEqual([...search.conversationIds('上海')], ['c_zh']);
    assert.equal(search.conversationIds('secret').size, 0, 'private notes are not searchable');
    assert.equal(search.conversationIds('claimed').size, 0, 'events are not searchable');
    assert.equal(search.conversationIds('zebra').size, 0);
    db.close();
  });

  test('the triggers index new messages and drop deleted ones; FTS syntax works and bad syntax is a SearchSyntaxError', () => {
    const db = new Database(join(tempDir(), 'new.db'));
    migrate(db);
    const search = new MessageSearch(db);
    addConversation(db, 'c_1', [[TEXT, 'I want a refund for the blue mug']]);
    addConversation(db, 'c_2', [[TEXT, 'Can I return the linen throw?']]);
    assert.deepEqual([...search.conversationIds('refund OR return')].sort(), ['c_1', 'c_2']);
    assert.deepEqual([...search.conversationIds('"blue mug"')], ['c_1']);
    assert.deepEqual([...search.conversationIds('"mug blue"')], []);
    assert.deepEqual([...search.conversationIds('lin*')], ['c_2']);
    db.prepare("UPDATE messages SET text = 'I want my money back' WHERE conversation_id = 'c_1'").run();
    assert.equal(search.conversationIds('refund').size, 0, 'an edited text is re-indexed');
    assert.deepEqual([...search.conversationIds('money')], ['c_1']);
    db.prepare("DELETE FROM messages WHERE conversation_id = 'c_2'").run();
    assert.equal(search.conversationIds('linen').size, 0, 'a deleted message leaves the index');
    assert.equal(db.prepare('SELECT count(*) FROM message_search_ids').pluck().get(), 1);
    for (const bad of ['"unbalanced', 'refund AND', '(blue', 'NOT']) assert.throws(() => search.conversationIds(bad), SearchSyntaxError, bad);
    db.close();
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
    await eventually(async () => assert.deepEqual(await ids('BEESWAX'), [id]));
    await eventually(async () => assert.deepEqual(await ids('裂缝'), [zhId]));
    assert.deepEqual(await ids('"never arrived"'), [id]);
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
      const { body: questions } = await api.get<{ conversations: Hit[]; has_more: boolean }>('/api/conversations?q=question&limit=2', { headers: { Authorization: `Bearer ${apiToken}` } });
      assert.equal(questions.conversations.length, 2);
      assert.equal(questions.has_more, true, 'three matched, two were asked for');

      // The visitors' goodbyes (presence) reach the agent as inbox updates within the coalescing interval: let them pass first.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const summaryOf = (f: (typeof agent.frames)[number]): boolean => (f.inboxUpdate?.conversation?.id ?? f.inboxBatch?.updates?.[0]?.conversation?.id) === oldId;
      assert.ok(!agent.frames.some(summaryOf), 'nothing told the agent about it before it was opened');
      const mark = agent.mark();
      agent.sendFrame({ subscribe: { conversationId: oldId } });
      const frame = await agent.waitFor(summaryOf, { since: mark, what: 'InboxUpdate of the opened conversation' });
      const update = frame.inboxUpdate ?? frame.inboxBatch?.updates?.[0];
      assert.equal(update?.preview, 'Order number is 5521.');
      await agent.close();
    } finally {
      await server.close();
    }
  });
});
