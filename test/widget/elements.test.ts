/**
 * `<cs-chat>` in real Chromium against a fake session: rendering safety,
 * the composer, delivery states, accessibility, i18n, unread badges and the
 * host-page CSS isolation.
 */
import { a11ySnapshot, findAccessibilityNode, sendKeys, setViewport } from '@web/test-runner-commands';
import { ConnState, MessageState } from '../../widget/src/core/types.js';
import { formatTime } from '../../widget/src/elements/message-list.js';
import type { CsChat } from '../../widget/src/elements/cs-chat.js';
import '../../widget/src/elements/inbox-composer.js';
import type { ComposeDetail } from '../../widget/src/elements/inbox-composer.js';
import { FakeSession, item } from './elements-fake-session.js';
import { $, $$, afterEachCleanup, equal, mount, ok, openPanel, setPageHidden, until } from './elements-helpers.js';

interface AxNode {
  role: string;
  name: string;
  children?: AxNode[];
}

async function findButton(name: string): Promise<AxNode | null> {
  const snapshot = (await a11ySnapshot({})) as unknown as AxNode & { children: AxNode[] };
  return findAccessibilityNode<AxNode>(snapshot, (n) => n.role === 'button' && n.name === name);
}

afterEach(afterEachCleanup);

describe('<cs-chat> rendering', () => {
  it('renders message text containing markup as text and creates no element from it', async () => {
    const session = new FakeSession();
    session.items = [item({ text: '<img src=x onerror="window.__xss=1">' }), item({ text: '<b>bold</b><script>window.__xss=2</script>' })];
    const { el } = await mount({}, session);
    await openPanel(el);
    const bubbles = $$(el, '.bubble');
    equal(bubbles.length, 2, 'two bubbles');
    ok(bubbles[0].textContent?.includes('<img src=x onerror="window.__xss=1">'), 'markup shown as characters');
    equal(el.shadowRoot?.querySelectorAll('.log img, .log b, .log script').length, 0, 'no element made from message text');
    equal((window as unknown as { __xss?: number }).__xss, undefined, 'no script ran');
  });

  it('shows an image only for https and data URLs', async () => {
    const session = new FakeSession();
    session.items = [
      item({ text: 'https://example.com/a.png', kind: 1 as never }),
      item({ text: 'javascript:alert(1)', kind: 1 as never }),
    ];
    const { el } = await mount({}, session);
    await openPanel(el);
    const imgs = $$(el, '.log img');
    equal(imgs.length, 1, 'one image');
    equal(imgs[0].getAttribute('src'), 'https://example.com/a.png', 'the https one');
    equal(imgs[0].getAttribute('referrerpolicy'), 'no-referrer', 'the image host learns nothing of the page (issue 10)');
    ok($$(el, '.bubble')[1].textContent?.includes('javascript:alert(1)'), 'unsafe URL shown as text');
  });

  it('shows EVENT messages as a centred system line and quick replies that send their label', async () => {
    const session = new FakeSession();
    session.items = [item({ text: 'Alice joined', kind: 3 as never }), item({ text: 'Pick one', kind: 2 as never, quickReplies: ['Track order', 'Refund'] })];
    const { el } = await mount({}, session);
    await openPanel(el);
    equal($(el, '.event')?.textContent, 'Alice joined', 'system line');
    const buttons = $$(el, '.replies button');
    equal(buttons.map((b) => b.textContent).join('|'), 'Track order|Refund', 'quick replies');
    buttons[1].click();
    await until(() => session.calledWith('send').length === 1, 'sent');
    equal(session.calledWith('send')[0].args[1], 'Refund', 'sends the label');
  });

  it('quotes a message: shown above the composer, sent with its seq, shown in the bubble', async () => {
    const session = new FakeSession();
    const quoted = item({ text: 'Your order ships Monday' });
    session.items = [quoted];
    const { el } = await mount({}, session);
    await openPanel(el);
    ($(el, '.msg .act') as HTMLButtonElement).click();
    await el.updateComplete;
    ok($(el, '.quoting')?.textContent?.includes('Your order ships Monday'), 'quote above composer');
    const ta = $(el, 'textarea') as HTMLTextAreaElement;
    ta.focus();
    await sendKeys({ type: 'Thanks' });
    await sendKeys({ press: 'Enter' });
    await until(() => session.calledWith('send').length === 1, 'sent');
    equal((session.calledWith('send')[0].args[2] as { quoteSeq: number }).quoteSeq, quoted.seq, 'quote seq sent');
    await el.updateComplete;
    equal($(el, '.quoting'), null, 'quote cleared');
    await until(() => $$(el, '.msg.own .quote').length === 1, 'quote in own bubble');
    equal($(el, '.msg.own .quote')?.textContent, 'Your order ships Monday', 'quoted text in bubble');
  });

  it('renders only a window of a long history and grows it upwards keeping the scroll position, then loads older pages', async () => {
    const session = new FakeSession();
    session.items = Array.from({ length: 200 }, (_, i) => item({ text: `message ${i}` }));
    session.hasOlder = true;
    session.olderPages = [[item({ text: 'from the server', seq: 0, key: 'old-1' })]];
    const { el } = await mount({}, session);
    await openPanel(el);
    const log = $(el, '.log') as HTMLElement;
    const firstText = () => $$(el, '.msg')[0]?.textContent ?? '';
    const rendered = $$(el, '.msg').length;
    ok(rendered > 0 && rendered <= 90, `renders a window, not all 200 (got ${rendered})`);
    await until(() => log.scrollHeight - log.scrollTop - log.clientHeight < 40, 'starts at the bottom');
    ok(($$(el, '.msg').at(-1)?.textContent ?? '').includes('message 199'), 'newest message rendered');

    const before = firstText();
    const anchorKey = $$(el, '.msg')[0].dataset.key;
    log.scrollTop = 0;
    await until(() => firstText() !== before, 'window grew upwards');
    const anchor = $$(el, '.msg').find((m) => m.dataset.key === anchorKey) as HTMLElement;
    ok(anchor && log.scrollTop > 0, `the message that was on top stays in view (scrollTop ${log.scrollTop})`);
    const anchorTop = anchor.getBoundingClientRect().top - log.getBoundingClientRect().top;
    ok(anchorTop >= 0 && anchorTop < log.clientHeight / 2, `the message read before stays in view, not pushed away (${anchorTop}px)`);
    ok($$(el, '.msg').length <= 90, 'still a bounded window');

    for (let i = 0; i < 20 && session.calledWith('loadOlder').length === 0; i++) {
      log.scrollTop = 0;
      await new Promise((r) => setTimeout(r, 50));
    }
    equal(session.calledWith('loadOlder')[0]?.args[0], 'c1', 'asks the session for the previous page at the first item');
    for (let i = 0; i < 20 && !firstText().includes('from the server'); i++) {
      log.scrollTop = 0;
      await new Promise((r) => setTimeout(r, 50));
    }
    ok(firstText().includes('from the server'), 'the older page is rendered at the top');
  });
});

describe('<cs-chat> long histories', () => {
  /** 1,000 messages: the newest 100 held by the session, the other 900 in older pages of 50 (newest page last). */
  function longHistory(): FakeSession {
    const all = Array.from({ length: 1000 }, (_, i) => item({ text: i === 0 ? 'the very first message' : `message ${i}`, seq: i + 1, key: `h${i + 1}` }));
    const session = new FakeSession();
    session.items = all.slice(900);
    for (let s = 0; s < 900; s += 50) session.olderPages.push(all.slice(s, s + 50));
    session.hasOlder = true;
    return session;
  }

  const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));

  it('scrolling to the top of a long history reaches the first message, through every older page, in a bounded window', async () => {
    const session = longHistory();
    const { el } = await mount({}, session);
    await openPanel(el);
    const log = $(el, '.log') as HTMLElement;
    const firstText = (): string => $$(el, '.msg')[0]?.textContent ?? '';
    for (let i = 0; i < 600 && !firstText().includes('the very first message'); i++) {
      log.scrollTop = 0;
      await nextFrame();
    }
    ok(firstText().includes('the very first message'), `the first message is rendered at the top (first shown: ${firstText().trim().slice(0, 40)})`);
    equal(session.olderPages.length, 0, 'every older page was asked for');
    const keys = $$(el, '.msg').map((m) => m.dataset.key);
    ok(keys.length <= 90, `still a bounded window (${keys.length})`);
    equal(new Set(keys).size, keys.length, 'no message rendered twice');
  });

  it('asks for the previous page before the reader reaches the first message it holds', async () => {
    const session = longHistory();
    const { el } = await mount({}, session);
    await openPanel(el);
    const log = $(el, '.log') as HTMLElement;
    await until(() => log.scrollHeight - log.scrollTop - log.clientHeight < 40, 'starts at the bottom');
    for (let i = 0; i < 300 && session.calledWith('loadOlder').length === 0; i++) {
      log.scrollTop = Math.max(0, log.scrollTop - 60);
      await nextFrame();
    }
    equal(session.calledWith('loadOlder').length, 1, 'the previous page was asked for');
    const first = $$(el, '.msg')[0]?.textContent ?? '';
    ok(!first.includes('message 900'), `asked while the oldest held message was not yet rendered (first shown: ${first.trim().slice(0, 40)})`);
  });

  it('opens at the newest message when the rows are several lines tall', async () => {
    const session = new FakeSession();
    session.items = Array.from({ length: 60 }, (_, i) => item({ text: `tall ${i}\n2\n3\n4\n5\n6`, key: `t${i}` }));
    const { el } = await mount({}, session);
    await openPanel(el);
    const log = $(el, '.log') as HTMLElement;
    for (let i = 0; i < 10; i++) await nextFrame();
    const last = $$(el, '.msg').at(-1) as HTMLElement;
    ok(last.textContent?.includes('tall 59'), 'newest row rendered last');
    const bottom = log.getBoundingClientRect().bottom;
    ok(Math.abs(last.getBoundingClientRect().bottom - bottom) < 40, `the newest row sits at the bottom of the list (${last.getBoundingClientRect().bottom} vs ${bottom})`);
    ok(log.scrollHeight - log.scrollTop - log.clientHeight < 2, 'scrolled to the end');
  });

  it("formats message times in the language's own clock: 12-hour in en-US, 24-hour in en-GB and zh-CN", () => {
    const at = (h: number, m: number): number => new Date(2026, 0, 5, h, m).getTime();
    // ICU puts a narrow no-break space before AM/PM; compare with plain spaces.
    const time = (ms: number, lang: string): string => formatTime(ms, lang).replace(/\s/g, ' ');
    equal(time(at(14, 5), 'en-US'), '02:05 PM', 'en-US afternoon');
    equal(time(at(0, 30), 'en-US'), '12:30 AM', 'en-US just after midnight');
    equal(time(at(12, 0), 'en-US'), '12:00 PM', 'en-US noon');
    equal(time(at(14, 5), 'en-GB'), '14:05', 'en-GB afternoon: no PM');
    equal(time(at(0, 30), 'en-GB'), '00:30', 'en-GB just after midnight');
    equal(time(at(14, 5), 'zh-CN'), '14:05', 'zh-CN afternoon');
    equal(time(at(14, 5), 'en-US-u-hc-h23'), '14:05', 'the hour cycle a tag asks for');
    equal(time(at(14, 5), 'not a tag!'), formatTime(at(14, 5), ''), 'a bad tag falls back to the default locale');
  });
});

describe('<cs-chat> session start', () => {
  it('renders the launcher before starting the session, and an API call made before the start starts it first', async () => {
    const session = new FakeSession();
    const el = document.createElement('cs-chat') as CsChat;
    el.session = session;
    document.body.append(el);
    try {
      await el.updateComplete;
      ok($(el, '.launcher'), 'launcher rendered');
      equal(session.calledWith('start').length, 0, 'the session waits for the first paint');
      await el.identify({ userId: 'u1', signature: 'ab' });
      equal(session.calls.map((c) => c.method).filter((m) => m === 'start' || m === 'identify').join(','), 'start,identify', 'started, then identified');
    } finally {
      el.remove();
    }
  });

  it('starts the session by itself just after the first paint', async () => {
    const session = new FakeSession();
    const { el } = await mount({}, session);
    equal(session.calledWith('start').length, 1, 'started once');
    ok(el.session === session, 'the element keeps the session');
  });
});

describe('<cs-chat> composer', () => {
  it('sends on Enter and not on Shift+Enter', async () => {
    const { el, session } = await mount();
    await openPanel(el);
    const ta = $(el, 'textarea') as HTMLTextAreaElement;
    ta.focus();
    await sendKeys({ type: 'line one' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'line two' });
    equal(session.calledWith('send').length, 0, 'Shift+Enter does not send');
    equal(ta.value, 'line one\nline two', 'Shift+Enter adds a newline');
    await sendKeys({ press: 'Enter' });
    await until(() => session.calledWith('send').length === 1, 'Enter sends');
    equal(session.calledWith('send')[0].args[1], 'line one\nline two', 'the text sent');
    await el.updateComplete;
    equal(ta.value, '', 'composer cleared');
  });

  it('does not send on the Enter that ends an IME composition', async () => {
    const { el, session } = await mount();
    await openPanel(el);
    const ta = $(el, 'textarea') as HTMLTextAreaElement;
    ta.focus();
    ta.value = '你好';
    ta.dispatchEvent(new Event('input'));
    ta.dispatchEvent(new CompositionEvent('compositionstart'));
    ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, composed: true, cancelable: true }));
    ta.dispatchEvent(new CompositionEvent('compositionend'));
    await el.updateComplete;
    equal(session.calledWith('send').length, 0, 'composition Enter ignored');
  });

  it('the workbench composer keeps the same rule: a Safari IME commit (keyCode 229) never sends, a plain Enter does', async () => {
    const composer = document.createElement('cs-inbox-composer');
    document.body.append(composer);
    try {
      const sent: ComposeDetail[] = [];
      composer.addEventListener('cs-compose', (e) => sent.push((e as CustomEvent<ComposeDetail>).detail));
      await composer.updateComplete;
      const ta = composer.shadowRoot!.querySelector('textarea')!;
      ta.value = '你好';
      ta.dispatchEvent(new Event('input'));
      ta.dispatchEvent(new CompositionEvent('compositionstart'));
      ta.dispatchEvent(new CompositionEvent('compositionend'));
      ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', keyCode: 229, bubbles: true, composed: true, cancelable: true }));
      await composer.updateComplete;
      equal(sent.length, 0, 'the commit Enter did not send');
      ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
      await composer.updateComplete;
      equal(sent.map((d) => d.text).join(), '你好', 'the next Enter sends');
    } finally {
      composer.remove();
    }
  });

  it('shows each delivery state and a Retry button on failed messages that calls the session', async () => {
    const session = new FakeSession();
    session.items = [
      item({ text: 'a', own: true, state: MessageState.Failed, key: 'f1' }),
      item({ text: 'b', own: true, seq: 0, state: MessageState.Sending }),
      item({ text: 'c', own: true, state: MessageState.Read }),
    ];
    const { el } = await mount({}, session);
    await openPanel(el);
    const states = $$(el, '.state').map((s) => s.dataset.state);
    equal(states.join(','), 'failed,sending,read', 'state labels');
    equal($$(el, '.state')[2].textContent?.trim(), 'Read', 'label text');
    const retry = $(el, '.retry') as HTMLButtonElement;
    equal(retry.textContent, 'Retry', 'retry button');
    retry.click();
    await until(() => session.calledWith('retry').length === 1, 'retry called');
    equal(session.calledWith('retry')[0].args.join(','), 'c1,f1', 'retry names the message');
  });

  it('shows the typing indicator and the offline banner', async () => {
    const { el, session } = await mount();
    await openPanel(el);
    session.typing = [{ name: 'Alice', role: 2 as never }];
    session.emit('change', { conversationId: 'c1' });
    await el.updateComplete;
    ok($(el, '.typing')?.textContent?.includes('Alice is typing'), 'typing indicator');
    session.setState(ConnState.Offline);
    await el.updateComplete;
    ok($(el, '.banner')?.textContent?.includes('offline'), 'offline banner');
    session.setState(ConnState.Waiting);
    await el.updateComplete;
    ok($(el, '.banner')?.textContent?.includes('Reconnecting'), 'reconnecting banner');
  });
});

describe('<cs-chat> accessibility', () => {
  it('exposes the launcher, send and close as buttons with names, and the list as a polite log in a labelled dialog', async () => {
    const { el } = await mount({ 'merchant-name': 'Acme' });
    ok(await findButton('Open chat'), 'launcher named "Open chat"');
    await openPanel(el);
    ok(await findButton('Close chat'), 'close button');
    ok(await findButton('Send'), 'send button');
    const panel = $(el, '[role="dialog"]');
    equal(panel?.getAttribute('aria-label'), 'Chat with Acme', 'dialog label');
    const log = $(el, '[role="log"]');
    equal(log?.getAttribute('aria-live'), 'polite', 'polite live region');
  });

  it('closes on Escape and returns focus to the launcher', async () => {
    const { el } = await mount();
    ($(el, '.launcher') as HTMLButtonElement).click();
    await el.updateComplete;
    await until(() => el.shadowRoot?.activeElement?.tagName === 'TEXTAREA', 'composer focused on open');
    await sendKeys({ press: 'Escape' });
    await until(() => !el.hasAttribute('open'), 'closed');
    await until(() => el.shadowRoot?.activeElement === $(el, '.launcher'), 'focus back on the launcher');
  });

  it('on a phone the full-screen panel is modal and traps Tab; on a desktop Tab moves on to the page', async () => {
    await setViewport({ width: 390, height: 844 });
    try {
      const { el } = await mount();
      await openPanel(el);
      equal($(el, '.panel')?.getAttribute('aria-modal'), 'true', 'modal while it covers the page');
      const visited = new Set<Element | null>();
      for (let i = 0; i < 8; i++) {
        await sendKeys({ press: 'Tab' });
        const active = el.shadowRoot?.activeElement ?? null;
        visited.add(active);
        ok(active && $(el, '.panel')?.contains(active), `focus stays in the panel (step ${i})`);
      }
      ok(visited.size >= 2, 'Tab moves between controls');
    } finally {
      await setViewport({ width: 1280, height: 800 });
    }
    const { el } = await mount();
    await openPanel(el);
    equal($(el, '.panel')?.getAttribute('aria-modal'), null, 'not modal beside the page');
    let left = false;
    for (let i = 0; i < 10 && !left; i++) {
      await sendKeys({ press: 'Tab' });
      left = document.activeElement !== el;
    }
    ok(left, 'Tab leaves the panel on a desktop');
  });

  it('speaks Chinese with lang=zh-CN', async () => {
    const { el } = await mount({ lang: 'zh-CN' });
    ok(await findButton('打开聊天'), 'launcher in Chinese');
    await openPanel(el);
    ok(await findButton('发送'), 'send in Chinese');
    ok(await findButton('关闭聊天'), 'close in Chinese');
    equal(($(el, 'textarea') as HTMLTextAreaElement).placeholder, '输入消息…', 'placeholder');
  });

  it("follows the page's <html lang> when the element has none", async () => {
    document.documentElement.lang = 'zh';
    try {
      await mount();
      ok(await findButton('打开聊天'), 'Chinese from <html lang>');
    } finally {
      document.documentElement.lang = '';
    }
  });
});

describe('<cs-chat> unread and attention', () => {
  it('counts unread messages on the launcher badge while closed and clears them on open, marking them read', async () => {
    const { el, session } = await mount();
    const counts: number[] = [];
    el.addEventListener('cs-unread', (e) => counts.push((e as CustomEvent<{ count: number }>).detail.count));
    session.receive(item({ text: 'hello', seq: 5 }));
    session.receive(item({ text: 'there', seq: 6 }));
    await el.updateComplete;
    equal($(el, '.badge')?.textContent, '2', 'badge shows 2');
    await openPanel(el);
    await until(() => !$(el, '.badge'), 'badge cleared when the panel opens');
    await until(() => session.calledWith('markRead').length > 0, 'markRead called');
    equal(session.calledWith('markRead').at(-1)?.args.join(','), 'c1,6', 'read up to the newest seq');
    equal(counts.join(','), '1,2,0', 'cs-unread events');
  });

  it('puts the unread count in the title and notifies while the page is hidden, and restores the title after', async () => {
    const shown: { title: string; body?: string }[] = [];
    const original = window.Notification;
    class FakeNotification {
      static permission = 'granted';
      onclick: (() => void) | null = null;
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
      }
      close(): void {}
    }
    Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true, writable: true });
    document.title = 'Acme shop';
    const { el, session } = await mount({ 'merchant-name': 'Acme' });
    try {
      await openPanel(el);
      session.receive(item({ text: 'seen while visible' }));
      await el.updateComplete;
      equal(document.title, 'Acme shop', 'no title badge while the panel is visible');
      equal(shown.length, 0, 'no notification while the panel is visible');
      setPageHidden(true);
      session.receive(item({ text: 'Your parcel left' }));
      await el.updateComplete;
      equal(document.title, '(1) Acme shop', 'title badge while hidden');
      equal(shown.length, 1, 'one notification');
      equal(shown[0].body, 'Your parcel left', 'notification body');
      setPageHidden(false);
      await el.updateComplete;
      equal(document.title, 'Acme shop', 'title restored');
    } finally {
      setPageHidden(false);
      Object.defineProperty(window, 'Notification', { value: original, configurable: true, writable: true });
    }
  });

  it('reports the page on start and fires cs-ready and cs-state', async () => {
    const events: string[] = [];
    for (const t of ['cs-ready', 'cs-state']) document.addEventListener(t, () => events.push(t));
    const { session } = await mount();
    await until(() => events.includes('cs-ready'), 'cs-ready bubbled to the document');
    ok(events.includes('cs-state'), 'cs-state bubbled');
    equal(session.calledWith('pageView')[0]?.args[0], location.href, 'page reported');
  });
});

describe('<cs-chat> style isolation', () => {
  it("keeps its text colour and size under a host page's !important universal rules", async () => {
    const style = document.createElement('style');
    style.textContent = '* { color: red !important; font-size: 40px !important; line-height: 5 !important; font-family: serif !important }';
    document.head.append(style);
    try {
      const session = new FakeSession();
      session.items = [item({ text: 'hello' })];
      const { el } = await mount({}, session);
      await openPanel(el);
      const bubble = $(el, '.bubble') as HTMLElement;
      const cs = getComputedStyle(bubble);
      equal(cs.color, 'rgb(31, 41, 55)', 'bubble text colour');
      equal(cs.fontSize, '15px', 'bubble font size');
      ok(!cs.fontFamily.startsWith('serif'), 'font family not the page one');
      equal(getComputedStyle($(el, 'h2') as HTMLElement).color, 'rgb(255, 255, 255)', 'header colour');
    } finally {
      style.remove();
    }
  });
});
