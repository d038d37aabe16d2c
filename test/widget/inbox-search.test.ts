/**
 * The workbench search controller (issue 12) through its public API, with
 * the JSON API's answers stubbed at `fetch`: while a search is on, the
 * list and the tab counts are made of what the server found — also
 * conversations not loaded — with a loaded one in its live state; the
 * site picker narrows that; excerpts mark the words as text (never markup
 * from the message); an older answer never replaces a newer one.
 */
import { render, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { cs } from '../../proto/gen/chat.js';
import type { ConversationJson } from '../../widget/src/elements/admin-api.js';
import { filterCounts } from '../../widget/src/elements/inbox-model.js';
import { InboxSearch, infoOfJson, marked, markTerms } from '../../widget/src/elements/inbox-search.js';
import { assert, assertEqual, waitFor } from './helpers.js';

const json = (id: string, fields: Partial<ConversationJson> = {}): ConversationJson => ({
  id, site: 'acme', topic: '', status: 'open', assignee_id: '', visitor_id: `v_${id}`, visitor_user_id: '', visitor_name: '', visitor_email: '',
  last_seq: 2, preview: 'newest', unread: 0, created_at: 1, last_activity_at: 1, ...fields,
});

/** A host that only counts renders. */
class Host implements ReactiveControllerHost {
  updates = 0;
  readonly updateComplete = Promise.resolve(true);
  addController(_controller: ReactiveController): void {}
  removeController(_controller: ReactiveController): void {}
  requestUpdate(): void {
    this.updates++;
  }
}

describe('InboxSearch', () => {
  const realFetch = window.fetch;
  let answers: Record<string, { delayMs: number; conversations: ConversationJson[]; has_more?: boolean }> = {};
  /** Answers `GET /api/conversations?q=` from `answers` (each test calls it first). */
  const stubFetch = (): void => {
    answers = {};
    window.fetch = (async (input: RequestInfo | URL) => {
      const q = new URL(String(input)).searchParams.get('q') ?? '';
      const answer = answers[q] ?? { delayMs: 0, conversations: [] };
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      return new Response(JSON.stringify({ conversations: answer.conversations, sites: ['acme'], has_more: answer.has_more ?? false }), { headers: { 'Content-Type': 'application/json' } });
    }) as typeof fetch;
  };
  afterEach(() => {
    window.fetch = realFetch;
  });

  it('is made of what the server found, loaded ones live, unloaded ones from the answer, and counts them', async () => {
    stubFetch();
    const loaded = [infoOfJson(json('c_live', { status: 'open', preview: 'live preview' })), infoOfJson(json('c_other'))];
    const liveNow = { ...loaded[0]!, assigneeId: 'me' };
    answers.teapot = {
      delayMs: 0,
      conversations: [json('c_live', { assignee_id: '' }), json('c_old', { status: 'resolved', site: 'beta', match: { seq: 1, text: 'the blue teapot lid', sent_at: 5 } })],
      has_more: true,
    };
    const search = new InboxSearch(new Host());
    search.use('http://127.0.0.1:1');
    assertEqual(search.scope(loaded).map((c) => c.id), ['c_live', 'c_other'], 'nothing typed: what is loaded');
    search.set('teapot');
    await waitFor('the answer', () => search.scope(loaded).length === 2 && search.scope(loaded).some((c) => c.id === 'c_old'));
    const scope = search.scope([liveNow, loaded[1]!]);
    assertEqual(scope.map((c) => c.id), ['c_live', 'c_old'], 'the found ones, not the loaded c_other');
    assertEqual(scope[0]!.assigneeId, 'me', 'a loaded one in its live state');
    assertEqual(scope[1]!.status, cs.v1.ConversationStatus.RESOLVED, 'an unloaded one from the answer');
    assertEqual(filterCounts(scope, 'me'), { mine: 1, unassigned: 0, all: 1, resolved: 1 }, 'tab counts of the search');
    assert(search.truncated, 'has_more: the counts say "+"');
    const host = document.createElement('div');
    render(search.excerpt('c_old')!, host);
    assertEqual(host.querySelector('mark')?.textContent, 'teapot', 'the word marked');
    assertEqual(search.excerpt('c_live'), undefined, 'no excerpt without a message match');
    search.pickSite('beta');
    assertEqual(search.scope(loaded).map((c) => c.id), ['c_old'], 'the site picker narrows the search');
    search.set('');
    assertEqual(search.scope(loaded).map((c) => c.id), [], 'cleared: what is loaded, of the picked site');
  });

  it('ignores an older answer that arrives after a newer one', async () => {
    stubFetch();
    answers.slow = { delayMs: 400, conversations: [json('c_slow')] };
    answers.fast = { delayMs: 0, conversations: [json('c_fast')] };
    const search = new InboxSearch(new Host());
    search.use('http://127.0.0.1:1');
    search.set('slow');
    await new Promise((resolve) => setTimeout(resolve, 300));
    search.set('fast');
    await waitFor('the fast answer', () => search.scope([]).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assertEqual(search.scope([]).map((c) => c.id), ['c_fast'], 'the slow answer came later and was dropped');
  });

  it('marks words as text: markup in a message stays text', () => {
    const host = document.createElement('div');
    render(marked('<img src=x onerror=alert(1)> Teapot and TEAPOT', markTerms('"teapot" OR lid*')), host);
    assertEqual(host.querySelector('img'), null, 'no element from the message');
    assertEqual([...host.querySelectorAll('mark')].map((m) => m.textContent), ['Teapot', 'TEAPOT'], 'case-insensitive, every occurrence');
    assert(host.textContent?.includes('<img src=x onerror=alert(1)>') ?? false, 'the text shows as written');
    assertEqual(markTerms('"blue teapot" OR lid* NOT x'), ['blue', 'teapot', 'lid', 'x'], 'syntax and operators left out');
  });
});
