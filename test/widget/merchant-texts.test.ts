/**
 * Issue 11 in the visitor widget: safe autolinking (http, https and mailto
 * only), by role and visible text. (Event lines and the automatic reply's
 * name come worded in the visitor's language from the server:
 * test/server/merchant-texts.test.ts.)
 */
import { linkParts } from '../../widget/src/elements/linkify.js';
import { $, $$, afterEachCleanup, equal, mount, ok, openPanel } from './elements-helpers.js';
import { FakeSession, item } from './elements-fake-session.js';

afterEach(afterEachCleanup);

describe('autolinking', () => {
  it('links http, https and mailto in a bubble, opening in a new tab with a safe rel', async () => {
    const session = new FakeSession();
    session.items = [item({ text: 'Track it at https://track.example.com/p?id=42. Or mail help@shop.example via mailto:help@shop.example, see http://shop.example/faq?a=1&b=2' })];
    const { el } = await mount({}, session);
    await openPanel(el);
    const links = $$(el, '.bubble a') as HTMLAnchorElement[];
    equal(links.map((a) => a.textContent).join(' | '), 'https://track.example.com/p?id=42 | mailto:help@shop.example | http://shop.example/faq?a=1&b=2', 'visible link texts, sentence punctuation left out');
    equal(links[0]!.href, 'https://track.example.com/p?id=42', 'href is the URL');
    equal(links[2]!.href, 'http://shop.example/faq?a=1&b=2', 'query kept');
    for (const a of links) {
      equal(a.target, '_blank', 'new tab');
      equal(a.rel, 'noopener noreferrer nofollow ugc', 'rel');
    }
    ok($(el, '.bubble')?.textContent?.includes('Track it at '), 'the rest stays text');
  });

  it('leaves javascript:, data:, vbscript: and look-alike schemes as text', async () => {
    const hostile = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.domain)',
      'javascript://https://shop.example/%0aalert(1)',
      'javascript:https://shop.example',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'xhttps://evil.example',
      'jav&#x61;script:alert(1)',
      'https:/evil',
    ];
    for (const text of hostile) {
      const parts = linkParts(text);
      ok(parts.every((p) => typeof p === 'string'), `${text} stays text: ${JSON.stringify(parts)}`);
    }
    const session = new FakeSession();
    session.items = hostile.map((text) => item({ text }));
    const { el } = await mount({}, session);
    await openPanel(el);
    equal($$(el, '.log a').length, 0, 'no anchor from hostile text');
    equal($$(el, '.bubble').length, hostile.length, 'every message shown');
  });
});
