/**
 * Announcements in the widget (issue 15): merging what the server sends,
 * the IndexedDB copy and its versioned upgrade, and `<cs-news>` inside
 * `<cs-chat>` (card, banner, dismiss, reply quoting) on a fake session.
 */
import { openDB } from 'idb';
import '../../widget/src/elements/cs-news.js';
import { AnnouncementEvent, currentAnnouncements, mergeAnnouncements, type Announcement } from '../../widget/src/core/announcements.js';
import { ChatStore } from '../../widget/src/store/index.js';
import { $, afterEachCleanup, equal, mount, ok, openPanel, until } from './elements-helpers.js';
import { dbName } from './helpers.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

function news(partial: Partial<Announcement> = {}): Announcement {
  return { id: 'an_1', seq: 1, title: 'Closed on Monday', body: 'Back Tuesday 9:00.', linkUrl: '', linkLabel: '', publishedMs: NOW, expiresMs: NOW + HOUR, sent: [], ...partial };
}

function shadowOf(el: Element | null): ShadowRoot {
  const root = el?.shadowRoot;
  if (!root) throw new Error('no shadow root');
  return root;
}

describe('announcements: merge', () => {
  it('replaces a copy by a higher seq, drops a recalled one, never keeps an expired one', () => {
    const held = new Map<string, Announcement>();
    let merge = mergeAnnouncements(held, [{ id: 'a', seq: 1, title: 'one', expiresMs: NOW + HOUR }, { id: 'b', seq: 2, title: 'two', expiresMs: NOW - 1 }], NOW);
    equal(merge.put.length, 1, 'the expired one is not kept');
    merge = mergeAnnouncements(held, [{ id: 'a', seq: 1, title: 'stale' }], NOW);
    equal(merge.put.length, 0, 'an older or equal seq is ignored');
    mergeAnnouncements(held, [{ id: 'a', seq: 3, title: 'edited', expiresMs: NOW + HOUR }], NOW);
    equal(held.get('a')?.title, 'edited', 'the edit replaces the copy');
    merge = mergeAnnouncements(held, [{ id: 'a', seq: 4, recalled: true }], NOW);
    equal(merge.drop.join(), 'a', 'recalled: dropped');
    equal(held.size, 0, 'nothing left');
    const list = currentAnnouncements([news({ id: 'x', expiresMs: NOW - 1 }), news({ id: 'y' })], NOW);
    equal(list.map((a) => a.id).join(), 'y', 'expired ones are never current');
  });
});

describe('announcements: IndexedDB', () => {
  it('upgrades a version-1 database to version 2 and keeps what it held', async () => {
    const name = dbName('news-upgrade');
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('outbox', { keyPath: 'clientMsgId' }).createIndex('byCreation', ['createdMs', 'clientMsgId']);
        db.createObjectStore('messages');
        db.createObjectStore('conversations', { keyPath: 'id' });
        db.createObjectStore('meta');
      },
    });
    await v1.put('meta', 'tok-1', 'token');
    v1.close();
    const store = await ChatStore.open(name);
    equal(await store.getMeta('token'), 'tok-1', 'the token survives the upgrade');
    await store.applyAnnouncements([news()], [], 7);
    equal((await store.announcements()).length, 1, 'the new store holds announcements');
    equal(await store.getMeta('broadcast_cursor'), '7', 'with the cursor');
    await store.applyAnnouncements([], ['an_1'], 8);
    equal((await store.announcements()).length, 0, 'a recall deletes the row');
    store.close();
  });
});

describe('announcements: <cs-news> in <cs-chat>', () => {
  afterEach(afterEachCleanup);

  it('shows a banner by the closed launcher and a card in the open panel; dismiss hides both and is sent once', async () => {
    const { el, session } = await mount();
    session.news = [news()];
    session.emit('list', {});
    await until(() => $(el, 'cs-news[mode="banner"]'), 'banner');
    const banner = shadowOf($(el, 'cs-news[mode="banner"]'));
    await until(() => banner.querySelector('.banner'), 'banner rendered');
    ok(banner.textContent?.includes('Closed on Monday'), 'banner shows the title');
    await until(() => session.calledWith('announcementEvent').some((c) => c.args[1] === AnnouncementEvent.Seen), 'seen sent');
    (banner.querySelector('.open') as HTMLButtonElement).click();
    await el.updateComplete;
    ok(el.isOpen, 'clicking the banner opens the chat');
    await until(() => $(el, 'cs-news[mode="card"]'), 'card');
    const card = shadowOf($(el, 'cs-news[mode="card"]'));
    await until(() => card.querySelector('.card'), 'card rendered');
    ok(!$(el, 'cs-news[mode="banner"]'), 'no banner while open');
    (card.querySelector('.top .x') as HTMLButtonElement).click();
    await until(() => session.calledWith('announcementEvent').some((c) => c.args[1] === AnnouncementEvent.Dismissed), 'dismiss sent');
    session.news = [news({ sent: [AnnouncementEvent.Seen, AnnouncementEvent.Dismissed] })];
    session.emit('list', {});
    await until(() => !card.querySelector('.card'), 'card gone after dismiss');
    ok(card.querySelector('.more'), 'still listed to read again');
  });

  it('a reply quotes the announcement and counts as replied', async () => {
    const { el, session } = await mount();
    session.news = [news({ linkUrl: 'javascript:alert(1)', linkLabel: 'bad' })];
    session.emit('list', {});
    await openPanel(el);
    await until(() => $(el, 'cs-news[mode="card"]')?.shadowRoot?.querySelector('.reply'), 'card with reply');
    const card = shadowOf($(el, 'cs-news[mode="card"]'));
    ok(!card.querySelector('a.link'), 'a javascript: link is never rendered');
    (card.querySelector('.reply') as HTMLButtonElement).click();
    await until(() => $(el, '.quoting'), 'quoting chip');
    ok($(el, '.quoting')?.textContent?.includes('Closed on Monday'), 'the chip names the announcement');
    const ta = $(el, 'textarea') as HTMLTextAreaElement;
    ta.value = 'Do you open on Wednesday?';
    ta.dispatchEvent(new Event('input', { bubbles: true }));
    ($(el, 'form') as HTMLFormElement).requestSubmit();
    await until(() => session.calledWith('send').length === 1, 'sent');
    equal(session.calledWith('send')[0]?.args[1], '> Closed on Monday\nDo you open on Wednesday?', 'the reply quotes it');
    ok(session.calledWith('announcementEvent').some((c) => c.args[0] === 'an_1' && c.args[1] === AnnouncementEvent.Replied), 'replied counted');
  });
});
