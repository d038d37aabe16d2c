/**
 * The script-tag integration (widget/src/elements/embed-config.ts, used by
 * widget/src/embed.ts): server URL derivation, data-* attributes, mounting,
 * and the window.csChat API, against a fake session.
 */
import { CsChat } from '../../widget/src/elements/cs-chat.js';
import { apiFor, mountChat, readConfig, wsUrlFor } from '../../widget/src/elements/embed-config.js';
import type { SessionOptions } from '../../widget/src/core/types.js';
import { FakeSession } from './elements-fake-session.js';
import { afterEachCleanup, equal, ok, until } from './elements-helpers.js';

afterEach(afterEachCleanup);

function scriptTag(src: string, data: Record<string, string>): HTMLScriptElement {
  const s = document.createElement('script');
  s.setAttribute('src', src);
  for (const [k, v] of Object.entries(data)) s.dataset[k] = v;
  return s;
}

describe('script-tag embed', () => {
  it("derives wss://<script origin>/ws from an https script and ws:// from http", () => {
    equal(wsUrlFor('https://chat.example.com/cs-chat.js', 'https://shop.example/', true), 'wss://chat.example.com/ws', 'https');
    equal(wsUrlFor('/cs-chat.js', 'http://localhost:8080/page', true), 'ws://localhost:8080/ws', 'relative http');
  });

  it('uses data-server when given and reads the other data-* attributes', () => {
    const config = readConfig(
      scriptTag('https://cdn.example/cs-chat.js', { site: 'acme', server: 'https://chat.acme.io', lang: 'zh-CN', topic: 'order-7', position: 'left', color: '#0a7', title: 'Acme' }),
      'https://acme.example/',
    );
    equal(config.server, 'wss://chat.acme.io/ws', 'server from data-server');
    equal(`${config.site}|${config.lang}|${config.topic}|${config.position}|${config.color}|${config.title}`, 'acme|zh-CN|order-7|left|#0a7|Acme', 'attributes');
    equal(readConfig(scriptTag('https://cdn.example/cs-chat.js', { position: 'middle' }), 'https://x/').position, 'right', 'unknown position falls back to right');
  });

  it('mounts <cs-chat> that creates its session from the config, and the API opens and closes it', async () => {
    const made: SessionOptions[] = [];
    const session = new FakeSession();
    const before = CsChat.createSession;
    CsChat.createSession = (options) => {
      made.push(options);
      return session;
    };
    try {
      const el = mountChat({ site: 'acme', server: 'wss://chat.acme.io/ws', lang: 'zh-CN', topic: 'order-7', position: 'left', color: '#00aa77', title: 'Acme' });
      try {
        await until(() => session.calledWith('start').length > 0, 'session started');
        equal(made[0]?.url, 'wss://chat.acme.io/ws', 'session url');
        equal(`${made[0]?.site}|${made[0]?.topic}|${made[0]?.role}`, 'acme|order-7|visitor', 'session options');
        equal(el.getAttribute('position'), 'left', 'position');
        equal(el.style.getPropertyValue('--cs-accent'), '#00aa77', 'colour as --cs-accent');
        const api = apiFor(el);
        api.open();
        await el.updateComplete;
        ok(el.hasAttribute('open'), 'open() opens');
        await until(() => el.shadowRoot?.querySelector('h2'), 'the panel rendered from its chunk');
        equal(el.shadowRoot?.querySelector('h2')?.textContent, 'Acme', 'title in header');
        api.toggle();
        await el.updateComplete;
        ok(!el.hasAttribute('open'), 'toggle() closes');
        await api.identify({ userId: 'u1', signature: 'ab' });
        await api.setTopic('order-8');
        await api.reset();
        equal(session.calls.map((c) => c.method).filter((m) => ['identify', 'setTopic', 'reset'].includes(m)).join(','), 'identify,setTopic,reset', 'API reaches the session');
      } finally {
        el.remove();
      }
    } finally {
      CsChat.createSession = before;
    }
  });
});
