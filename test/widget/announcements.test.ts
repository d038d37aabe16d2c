/**
 * Announcements in the widget (issue 15): merging what the server sends,
 * and `<cs-news>` (the card the workbench previews). The visitor session and
 * `<cs-chat>` integration is on branch broadcast-widget (over the bundle
 * budget on top of main).
 */
import '../../widget/src/elements/cs-news.js';
import { currentAnnouncements, mergeAnnouncements, type Announcement } from '../../widget/src/core/announcements.js';
import { equal, ok } from './elements-helpers.js';

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

describe('announcements: <cs-news>', () => {
  it('renders the newest one as a card, never an expired one, and never a javascript: link', async () => {
    const el = document.createElement('cs-news');
    el.items = [news({ id: 'old', expiresMs: Date.now() - 1, title: 'Expired' }), news({ id: 'new', expiresMs: Date.now() + HOUR, linkUrl: 'javascript:alert(1)', linkLabel: 'bad' })];
    document.body.append(el);
    await el.updateComplete;
    const root = shadowOf(el);
    ok(root.querySelector('.card')?.textContent?.includes('Closed on Monday'), 'the card shows the current one');
    ok(!root.textContent?.includes('Expired'), 'an expired one is never shown');
    ok(!root.querySelector('a.link'), 'a javascript: link is never rendered');
    el.remove();
  });
});
