/**
 * ChatSession against the REAL server (started in the test runner's process
 * by the cs-real-server plugin in web-test-runner.config.mjs), real Chromium,
 * real IndexedDB.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import { ChatSession, ConnState, MessageState } from '../../widget/src/transport/index.js';
import { assertEqual, dbName, waitFor } from './helpers.js';

const sessions: ChatSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

async function visitor(db: string): Promise<ChatSession> {
  const url = await executeServerCommand<string, undefined>('cs-server-url');
  const s = new ChatSession({ url, role: 'visitor', site: 'acme', dbName: db, ackTimeoutMs: 2000, backoffBaseMs: 50, backoffCapMs: 500 });
  sessions.push(s);
  await s.start();
  await waitFor('open', () => s.state === ConnState.Open && s.primaryConversationId !== '');
  return s;
}

const texts = (s: ChatSession) => s.view(s.primaryConversationId).items.map((i) => `${i.seq}:${i.text}`);

describe('ChatSession with the real server', () => {
  it('sends, gets acked in seq order, and two tabs of the visitor show the same list once', async () => {
    const db = dbName('real');
    const a = await visitor(db);
    const b = await visitor(db);
    for (const text of ['one', 'two', 'three']) await a.send('', text);
    await b.send('', 'four');
    const done = (s: ChatSession) => s.view(s.primaryConversationId).items.filter((i) => i.seq > 0).length === 4;
    await waitFor('both tabs hold all four', () => done(a) && done(b));
    assertEqual(texts(a), texts(b), 'same list in both tabs');
    assertEqual(texts(a), ['1:one', '2:two', '3:three', '4:four'], 'in order, once');
    assertEqual(a.view(a.primaryConversationId).items.every((i) => i.state !== MessageState.Sending), true, 'none left sending');
  });

  it('keeps a message in the outbox across a page reload and delivers it once', async () => {
    const db = dbName('real');
    const first = await visitor(db);
    await first.stop();
    // Sent while the page has no socket: it only reaches the outbox.
    const offline = new ChatSession({ url: 'ws://127.0.0.1:9/ws', role: 'visitor', site: 'acme', dbName: db });
    await offline.start();
    const item = await offline.send(first.primaryConversationId, 'written offline');
    await offline.stop();
    const second = await visitor(db);
    await waitFor('acked after the reload', () => second.view(second.primaryConversationId).items.some((i) => i.clientMsgId === item.clientMsgId && i.seq > 0));
    assertEqual(texts(second).filter((t) => t.endsWith('written offline')).length, 1, 'shown once');
  });
});
