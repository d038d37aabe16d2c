/**
 * The widget's appearance from the server (widget/src/elements/remote-config.ts):
 * `/api/widget-config` sets colour, title, position and greeting where the
 * script tag set nothing; `data-*` attributes win; the last answer is
 * remembered and applied at once on the next load; a failed fetch keeps
 * the attributes. `fetch` is replaced by a stub that records the URL.
 */
import { CsChat } from '../../widget/src/elements/cs-chat.js';
import { useServerConfig } from '../../widget/src/elements/remote-config.js';
import { afterEachCleanup, equal } from './elements-helpers.js';

afterEach(afterEachCleanup);

const SERVER = 'wss://chat.acme.io/ws';
const CONFIG = { color: '#0a7d3e', title: 'Acme Help', position: 'left', texts: { en: { greeting: 'Welcome to Acme!' }, 'zh-CN': { greeting: '欢迎光临！' } } };

function element(lang = 'en'): CsChat {
  const el = document.createElement('cs-chat');
  el.language = lang;
  return el;
}

/** Replaces fetch for one test; returns the URLs asked for. */
function stubFetch(answer: () => Promise<Response>): { urls: string[]; restore: () => void } {
  const original = window.fetch;
  const urls: string[] = [];
  window.fetch = ((input: RequestInfo | URL) => {
    urls.push(String(input));
    return answer();
  }) as typeof fetch;
  return { urls, restore: () => (window.fetch = original) };
}

describe('widget config from the server', () => {
  afterEach(() => localStorage.clear());

  it('takes colour, title, position and the greeting of its language from /api/widget-config on the chat server', async () => {
    const stub = stubFetch(async () => new Response(JSON.stringify(CONFIG), { status: 200 }));
    try {
      const el = element('zh-CN');
      await useServerConfig(el, SERVER, {});
      equal(stub.urls[0], 'https://chat.acme.io/api/widget-config', 'the API of the chat server, not the page');
      equal(`${el.color}|${el.merchantName}|${el.position}|${el.greeting}`, '#0a7d3e|Acme Help|left|欢迎光临！', 'applied');
    } finally {
      stub.restore();
    }
  });

  it('leaves what the script tag sets (data-color, data-title, data-position)', async () => {
    const stub = stubFetch(async () => new Response(JSON.stringify(CONFIG), { status: 200 }));
    try {
      const el = element();
      el.color = '#ff0000';
      el.merchantName = 'Tag Title';
      await useServerConfig(el, SERVER, { color: '#ff0000', title: 'Tag Title', position: 'right' });
      equal(`${el.color}|${el.merchantName}|${el.position}|${el.greeting}`, '#ff0000|Tag Title|right|Welcome to Acme!', 'attributes win; the greeting still comes');
    } finally {
      stub.restore();
    }
  });

  it('applies the remembered answer before the server answers, and keeps it when the fetch fails', async () => {
    const ok = stubFetch(async () => new Response(JSON.stringify(CONFIG), { status: 200 }));
    await useServerConfig(element(), SERVER, {});
    ok.restore();
    let fail: () => void = () => undefined;
    const pending = stubFetch(() => new Promise<Response>((_resolve, reject) => (fail = () => reject(new TypeError('offline')))));
    try {
      const el = element();
      const done = useServerConfig(el, SERVER, {});
      equal(el.color, '#0a7d3e', 'the colour is there before the answer (the launcher paints in it)');
      fail();
      await done;
      equal(`${el.color}|${el.greeting}`, '#0a7d3e|Welcome to Acme!', 'a failed fetch keeps it');
    } finally {
      pending.restore();
    }
  });

  it('an error answer (an older server without the endpoint) changes nothing', async () => {
    const stub = stubFetch(async () => new Response('not found', { status: 404 }));
    try {
      const el = element();
      await useServerConfig(el, SERVER, {});
      equal(`${el.color}|${el.merchantName}|${el.greeting}`, '||', 'defaults kept');
    } finally {
      stub.restore();
    }
  });
});
