/** The public mailbox below the wire (issue 15): lifecycle, validation, storage, targeting, spread. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { cs } from '../../proto/gen/chat.js';
import { BroadcastDelivery, BroadcastError, BroadcastService, compileUrlPattern, parseContent, parseWhitelist, urlPatternProblem, type Announcement, type Viewer } from '../../server/src/broadcast/index.js';
import { openMigrated } from '../../server/src/store/db.js';
import { migrate, MIGRATIONS, schemaVersion } from '../../server/src/store/migrations.js';

const DAY = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function memoryDb(): Database.Database {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

function clock(start = 1_800_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A viewer that records the frames it is sent. */
function viewer(fields: Partial<Viewer> = {}): Viewer & { got: cs.v1.Broadcast.$Properties[] } {
  const got: cs.v1.Broadcast.$Properties[] = [];
  return {
    site: 'acme',
    visitorId: `v_${Math.random().toString(36).slice(2)}`,
    userId: '',
    lang: 'en',
    coreLevel: 20261122,
    pageUrl: 'https://shop.example/',
    held: undefined,
    ...fields,
    got,
    send(bytes) {
      const frame = cs.v1.Frame.decode(bytes);
      if (frame.broadcast) got.push(frame.broadcast);
      return true;
    },
  };
}

function expectError(fn: () => unknown, kind: BroadcastError['kind'], pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BroadcastError, `expected BroadcastError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

function draft(service: BroadcastService, now: number, extra: Record<string, unknown> = {}): Announcement {
  return service.create(parseContent({ site: 'acme', title: 'Closed on Monday', body: 'Back on Tuesday.', expires_at: now + DAY, ...extra }, false), 'admin-1');
}

describe('announcement input', () => {
  test('refuses a missing expiry, unknown fields, bad audiences, bad links and bad URL patterns, naming the field', () => {
    expectError(() => parseContent({ site: 'acme', title: 'x' }, false), 'bad_input', /expires_at is required/);
    expectError(() => parseContent({ site: 'acme', title: 'x', expires_at: 'tomorrow' }, false), 'bad_input', /expires_at must be a time/);
    expectError(() => parseContent({ site: 'acme', title: 'x', expires_at: 1, colour: 'red' }, false), 'bad_input', /unknown field "colour"/);
    expectError(() => parseContent({ audience: 'vips' }, true), 'bad_input', /audience must be one of/);
    expectError(() => parseContent({ link_url: 'javascript:alert(1)' }, true), 'bad_input', /link_url/);
    expectError(() => parseContent({ url_pattern: 'sale pages' }, true), 'bad_input', /url_pattern/);
    expectError(() => parseContent({ url_pattern: 'shop.example/*' }, true), 'bad_input', /url_pattern must start/);
    expectError(() => parseContent({ min_core_level: -1 }, true), 'bad_input', /min_core_level/);
    expectError(() => parseContent([], true), 'bad_input', /JSON object/);
    expectError(() => parseWhitelist({ visitor_ids: ['ok', 7] }), 'bad_input', /visitor_ids/);
    assert.deepEqual(parseWhitelist({ visitor_ids: ['a', 'a', ' b '] }), { visitorIds: ['a', 'b'], userIds: [] });
  });

  test('URL globs match the whole URL, or path and query for patterns starting with /', () => {
    assert.equal(urlPatternProblem('/sale/*'), undefined);
    assert.equal(urlPatternProblem('https://shop.example/*'), undefined);
    assert.ok(urlPatternProblem('https://*'));
    const path = compileUrlPattern('/sale/*');
    assert.equal(path('https://shop.example/sale/shoes?c=1'), true);
    assert.equal(path('https://shop.example/about'), false);
    const full = compileUrlPattern('https://shop.example/p?');
    assert.equal(full('https://shop.example/p1'), true);
    assert.equal(full('https://shop.example/p12'), false);
    assert.equal(compileUrlPattern('/a.b')('https://x/aXb'), false, 'a dot is literal');
  });
});

describe('announcement lifecycle', () => {
  test('draft -> prerelease -> published -> recalled, each move a new seq; bad moves are 409 and change nothing', () => {
    const t = clock();
    const service = new BroadcastService(memoryDb(), { now: t.now, spreadMs: 0 });
    const a = draft(service, t.now());
    assert.equal(a.state, 'draft');
    assert.equal(a.seq, 0, 'a draft takes no seq');
    expectError(() => service.transition(a.id, 'recall'), 'conflict', /cannot recall a draft/);
    expectError(() => service.transition(a.id, 'stop'), 'conflict');
    const pre = service.transition(a.id, 'prerelease');
    assert.equal(pre.state, 'prerelease');
    assert.equal(pre.seq, 1);
    const published = service.transition(a.id, 'publish');
    assert.equal(published.seq, 2);
    const edited = service.update(a.id, parseContent({ title: 'Closed on Monday 12th' }, true));
    assert.equal(edited.seq, 3, 'an edit of a published one takes a new seq');
    const recalled = service.transition(a.id, 'recall');
    assert.equal(recalled.state, 'recalled');
    assert.equal(recalled.seq, 4);
    const before = JSON.stringify(service.get(a.id));
    expectError(() => service.transition(a.id, 'publish'), 'conflict', /cannot publish a recalled/);
    expectError(() => service.update(a.id, parseContent({ title: 'again' }, true)), 'conflict');
    expectError(() => service.setWhitelist(a.id, { visitorIds: ['v'], userIds: [] }), 'conflict');
    assert.equal(JSON.stringify(service.get(a.id)), before, 'nothing changed');
    assert.equal(service.clock, 4);
    service.close();
  });

  test('refuses an expiry in the past or a start after the expiry; stop keeps copies (no push)', () => {
    const t = clock();
    const service = new BroadcastService(memoryDb(), { now: t.now, spreadMs: 0 });
    expectError(() => draft(service, t.now(), { expires_at: t.now() - 1 }), 'bad_input', /in the past/);
    expectError(() => draft(service, t.now(), { starts_at: t.now() + 2 * DAY }), 'bad_input', /starts_at/);
    assert.equal(service.list().length, 0, 'nothing stored');
    const a = draft(service, t.now());
    expectError(() => service.update(a.id, parseContent({ expires_at: t.now() - 5 }, true)), 'bad_input');
    assert.equal(service.get(a.id).expiresMs, t.now() + DAY);
    service.transition(a.id, 'publish');
    const v = viewer();
    assert.equal(service.join(v, 0).items.length, 1);
    service.transition(a.id, 'stop');
    assert.equal(v.got.length, 0, 'a stop pushes nothing');
    assert.equal(service.join(viewer(), 0).items.length, 0, 'nobody new gets a stopped one');
    const soon = draft(service, t.now(), { expires_at: t.now() + 10 });
    t.advance(20);
    expectError(() => service.transition(soon.id, 'publish'), 'bad_input', /expired/);
    assert.equal(service.get(soon.id).state, 'draft');
    service.close();
  });

  test('survives a restart: rows, whitelist, counters and the mailbox seq come back from SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-broadcast-'));
    dirs.push(dir);
    const t = clock();
    let db = openMigrated(dir);
    let service = new BroadcastService(db, { now: t.now, spreadMs: 0 });
    const a = draft(service, t.now(), { url_pattern: '/sale/*' });
    service.setWhitelist(a.id, { visitorIds: ['v_1'], userIds: ['u_9'] });
    service.transition(a.id, 'prerelease');
    const v = viewer({ visitorId: 'v_1', pageUrl: 'https://shop.example/sale/x' });
    service.join(v, 0);
    assert.equal(service.event(v, a.id, cs.v1.BroadcastEvent.Kind.SEEN), true);
    service.close();
    db.close();
    db = openMigrated(dir);
    service = new BroadcastService(db, { now: t.now, spreadMs: 0 });
    const back = service.get(a.id);
    assert.equal(back.state, 'prerelease');
    assert.equal(back.urlPattern, '/sale/*');
    assert.deepEqual(back.whitelist, { visitorIds: ['v_1'], userIds: ['u_9'] });
    assert.equal(back.stats.seen, 1);
    assert.equal(back.stats.delivered, 1);
    assert.equal(service.clock, back.seq);
    service.close();
    db.close();
  });
});

describe('announcement storage', () => {
  test('the migration step adds the broadcast tables to a v1 database and keeps its data', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES ('c1', 'acme', 'v1', '', 'e', 1, 1, 1, 0)").run();
    db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES ('c1', 1, 'm1', 'v1', 1, 'V', 0, 'hi', 1)").run();
    const { from, to } = migrate(db);
    assert.equal(from, 1);
    assert.equal(to, MIGRATIONS.length);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.equal((db.prepare('SELECT text FROM messages').get() as { text: string }).text, 'hi');
    assert.equal((db.prepare('SELECT seq FROM broadcast_clock').get() as { seq: number }).seq, 0);
  });

  test('a publish to many viewers writes one row; only visitors who act get rows, once per kind', () => {
    const t = clock();
    const db = memoryDb();
    const service = new BroadcastService(db, { now: t.now, spreadMs: 0 });
    const viewers = Array.from({ length: 500 }, () => viewer());
    for (const v of viewers) service.join(v, 0);
    const a = draft(service, t.now());
    const changes = db.prepare('SELECT total_changes() AS n');
    const before = (changes.get() as { n: number }).n;
    service.transition(a.id, 'publish');
    const written = (changes.get() as { n: number }).n - before;
    assert.ok(written <= 2, `a publish to 500 viewers changed ${written} rows (clock + announcement)`);
    assert.ok(viewers.every((v) => v.got.length === 1 && v.got[0]?.items?.[0]?.id === a.id));
    const seen = cs.v1.BroadcastEvent.Kind.SEEN;
    service.event(viewers[0]!, a.id, seen);
    service.event(viewers[0]!, a.id, seen);
    service.event(viewers[1]!, a.id, cs.v1.BroadcastEvent.Kind.DISMISSED);
    service.flush();
    service.event(viewers[0]!, a.id, seen);
    service.flush();
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM broadcast_events').get() as { n: number }).n, 2, 'two visitors acted: two rows');
    const stats = service.get(a.id).stats;
    assert.equal(stats.seen, 1, 'seen counted once');
    assert.equal(stats.dismissed, 1);
    assert.equal(stats.delivered, 500);
    assert.equal(service.event(viewers[0]!, 'an_nope', seen), false, 'an unknown announcement counts nothing');
    service.close();
  });
});

describe('announcement targeting', () => {
  test('prerelease reaches the whitelist only (visitor id or user id); whitelist edits take effect at once', () => {
    const t = clock();
    const service = new BroadcastService(memoryDb(), { now: t.now, spreadMs: 30_000 });
    const listed = viewer({ visitorId: 'v_listed' });
    const user = viewer({ userId: 'u_7' });
    const other = viewer();
    for (const v of [listed, user, other]) service.join(v, 0);
    const a = draft(service, t.now());
    service.setWhitelist(a.id, { visitorIds: ['v_listed'], userIds: ['u_7'] });
    service.transition(a.id, 'prerelease');
    assert.equal(listed.got.length, 1, 'at once, not over the spread window');
    assert.equal(user.got.length, 1);
    assert.equal(other.got.length, 0);
    service.setWhitelist(a.id, { visitorIds: [], userIds: ['u_7'] });
    assert.equal(listed.got[1]?.items?.[0]?.recalled, true, 'removed from the whitelist: told to drop it');
    assert.equal(user.got[1]?.items?.[0]?.recalled ?? false, false, 'still listed: keeps it (the copy takes the new seq)');
    assert.equal(other.got.length, 0);
    service.close();
  });

  test('audience, language, URL pattern, start time and core level (fallback or hide)', () => {
    const t = clock();
    const service = new BroadcastService(memoryDb(), { now: t.now, spreadMs: 0 });
    const make = (extra: Record<string, unknown>): string => {
      const a = draft(service, t.now(), extra);
      service.transition(a.id, 'publish');
      return a.id;
    };
    const identified = make({ audience: 'identified' });
    const chinese = make({ lang: 'zh' });
    const sale = make({ url_pattern: '/sale/*' });
    const later = make({ starts_at: t.now() + 60_000 });
    const modern = make({ min_core_level: 20300101, fallback_text: 'Please update the app to read this.' });
    const hidden = make({ min_core_level: 20300101 });
    const ids = (v: Viewer): string[] => service.join(v, 0).items.map((i) => i.id ?? '');
    const anon = ids(viewer());
    assert.ok(!anon.includes(identified) && !anon.includes(chinese) && !anon.includes(sale) && !anon.includes(later) && !anon.includes(hidden));
    assert.ok(ids(viewer({ userId: 'u1' })).includes(identified));
    assert.ok(ids(viewer({ lang: 'zh-CN' })).includes(chinese));
    assert.ok(ids(viewer({ pageUrl: 'https://shop.example/sale/a' })).includes(sale));
    const fallback = service.join(viewer(), 0).items.find((i) => i.id === modern);
    assert.equal(fallback?.body, 'Please update the app to read this.');
    assert.equal(fallback?.title ?? '', '', 'the fallback is plain text only');
    const full = service.join(viewer({ coreLevel: 20300101 }), 0).items;
    assert.equal(full.find((i) => i.id === modern)?.title, 'Closed on Monday');
    assert.ok(full.some((i) => i.id === hidden));
    const v = viewer();
    service.join(v, 0);
    t.advance(60_001);
    service.pageChanged(v, 'https://shop.example/sale/b');
    const pushed = v.got.flatMap((b) => (b.items ?? []).map((i) => i.id));
    assert.ok(pushed.includes(sale) && pushed.includes(later), 'a page change re-evaluates: the sale page and the started one arrive');
    t.advance(DAY);
    assert.equal(service.join(viewer({ userId: 'u1', lang: 'zh-CN' }), 0).items.length, 0, 'expired: never sent');
    service.close();
  });

  test('Welcome carries only what is after the cursor, and tombstones for recalled ones the client may hold', () => {
    const t = clock();
    const service = new BroadcastService(memoryDb(), { now: t.now, spreadMs: 0 });
    const a = draft(service, t.now());
    const b = draft(service, t.now());
    service.transition(a.id, 'publish');
    const first = service.join(viewer(), 0);
    assert.deepEqual(first.items.map((i) => i.id), [a.id]);
    assert.equal(first.cursor, 1);
    assert.equal(service.join(viewer(), first.cursor).items.length, 0, 'nothing new after the cursor');
    service.transition(b.id, 'publish');
    service.transition(a.id, 'recall');
    const again = service.join(viewer(), first.cursor);
    assert.deepEqual(again.items.map((i) => [i.id, i.recalled ?? false]), [[b.id, false], [a.id, true]].sort((x, y) => (x[0] === b.id ? -1 : 1)));
    assert.equal(service.join(viewer(), 0).items.some((i) => i.recalled), false, 'a new client gets no tombstones');
    service.close();
  });
});

describe('announcement delivery spread', () => {
  test('a publish to n open sessions is handed out uniformly over the window, in random order', () => {
    const t = clock();
    const service = new BroadcastService(memoryDb(), { now: t.now, spreadMs: 10_000 });
    const viewers = Array.from({ length: 1000 }, () => viewer());
    for (const v of viewers) service.join(v, 0);
    const a = draft(service, t.now());
    service.transition(a.id, 'publish');
    const perSecond: number[] = [];
    let total = 0;
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 20; i++) {
        t.advance(50);
        service.delivery.tick();
      }
      const now = viewers.filter((v) => v.got.length > 0).length;
      perSecond.push(now - total);
      total = now;
    }
    assert.equal(total, 1000, 'everyone has it by the end of the window');
    for (const n of perSecond) assert.ok(n >= 90 && n <= 110, `flat rate: ${perSecond.join(', ')}`);
    assert.equal(service.delivery.rolling, false);
    service.close();
  });

  test('a session that closed before its turn is skipped; a failed send is retried by the next change', () => {
    const t = clock();
    const db = memoryDb();
    const service = new BroadcastService(db, { now: t.now, spreadMs: 1000 });
    const gone = viewer();
    let accept = false;
    const flaky = viewer();
    const realSend = flaky.send;
    flaky.send = (bytes) => accept && realSend(bytes);
    service.join(gone, 0);
    service.join(flaky, 0);
    const a = draft(service, t.now());
    service.transition(a.id, 'publish');
    service.leave(gone);
    t.advance(1100);
    service.delivery.tick();
    assert.equal(gone.got.length, 0);
    assert.equal(flaky.got.length, 0);
    accept = true;
    service.update(a.id, parseContent({ body: 'new' }, true));
    t.advance(1100);
    service.delivery.tick();
    assert.equal(flaky.got.length, 1);
    assert.equal(flaky.got[0]?.items?.[0]?.body, 'new');
    service.close();
  });

  test('delivery with no open sessions does nothing and arms no timer', () => {
    const delivery = new BroadcastDelivery({ announcementsOf: () => [], clock: () => 0, now: () => 0, spreadMs: 1000, delivered: () => undefined });
    delivery.changed('acme', false);
    assert.equal(delivery.rolling, false);
  });
});
