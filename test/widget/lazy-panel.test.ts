/**
 * `<cs-chat>`'s lazy panel (chunks.ts, lazy-panel.ts) on a fake session:
 * the launcher works before the panel's code is there, a chunk that fails to
 * load shows the failure in the panel and is retried (Retry, backoff), and
 * the panel then shows what the session holds and sends; on a phone the box
 * shown while the chunk loads is modal like the panel.
 */
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { setChunkLoader, type ChunkName, type Chunks } from '../../widget/src/chunks.js';
import { esmChunks as esm } from '../../widget/src/chunks-esm.js';
import { FakeSession, item } from './elements-fake-session.js';
import { $, afterEachCleanup, equal, mount, ok, until } from './elements-helpers.js';

/** A loader that fails while `state.failing`, counting its calls. */
function flakyLoader(state: { failing: boolean; calls: number }) {
  return <N extends ChunkName>(name: N): Promise<Chunks[N]> => {
    state.calls += 1;
    return state.failing ? Promise.reject(new Error('offline')) : esm[name]();
  };
}

/** A loader whose panel chunk arrives only when `release` is called (a slow network). */
function heldLoader(): { loader: <N extends ChunkName>(name: N) => Promise<Chunks[N]>; release: () => void } {
  let release = (): void => undefined;
  const held = new Promise<void>((done) => (release = done));
  return { loader: async (name) => (name === 'panel' ? held.then(() => esm[name]()) : esm[name]()), release };
}

afterEach(() => {
  afterEachCleanup();
  setChunkLoader((name) => esm[name]());
});

describe('lazy panel', () => {
  it('shows a clear message while the panel cannot load, and the panel with the conversation once Retry loads it', async () => {
    const state = { failing: true, calls: 0 };
    setChunkLoader(flakyLoader(state));
    const session = new FakeSession();
    session.items = [item({ text: 'Your order shipped today.' })];
    const { el } = await mount({}, session);
    el.open();
    await until(() => $(el, '.loading')?.textContent?.includes('The chat could not load. Trying again…'), 'the failure is shown');
    ok(!$(el, 'textarea'), 'no composer without the panel');
    ok($(el, '.launcher'), 'the launcher still works');
    state.failing = false;
    ($(el, '.loading .retry') as HTMLButtonElement).click();
    await until(() => $(el, '.panel textarea'), 'the panel rendered from its chunk');
    equal($(el, '.loading'), null, 'the message is gone');
    ok($(el, '.rows')?.textContent?.includes('Your order shipped today.'), 'the conversation shows');
  });

  it('retries by itself with backoff, without a click', async () => {
    const state = { failing: true, calls: 0 };
    setChunkLoader(flakyLoader(state));
    const { el } = await mount();
    el.open();
    await until(() => $(el, '.loading .retry'), 'the failure is shown');
    const before = state.calls;
    state.failing = false;
    await until(() => $(el, '.panel textarea'), 'the panel after the automatic retry', 4000);
    ok(state.calls > before, 'loaded again');
  });

  it('on a phone the box shown while the chunk loads is a modal dialog: the page is pinned, focus is inside, Tab stays, Escape closes', async () => {
    const { loader, release } = heldLoader();
    setChunkLoader(loader);
    await setViewport({ width: 390, height: 844 });
    try {
      const { el } = await mount();
      el.open();
      await until(() => $(el, '.loading')?.textContent?.includes('Loading the chat…'), 'the loading box');
      await el.updateComplete;
      const box = $(el, '.panel');
      equal(box?.getAttribute('role'), 'dialog', 'a dialog');
      equal(box?.getAttribute('aria-modal'), 'true', 'modal while it covers the page');
      equal(document.body.style.position, 'fixed', 'the page is pinned');
      ok(box?.contains(el.shadowRoot?.activeElement ?? null), 'focus is in the box');
      for (const shift of [false, false, true, true]) {
        if (shift) await sendKeys({ down: 'Shift' });
        await sendKeys({ press: 'Tab' });
        if (shift) await sendKeys({ up: 'Shift' });
        ok(box?.contains(el.shadowRoot?.activeElement ?? null), `focus stays in the box after ${shift ? 'Shift+' : ''}Tab`);
      }
      await sendKeys({ press: 'Escape' });
      await until(() => !el.hasAttribute('open'), 'Escape closed it');
      equal(document.body.style.position, '', 'the page is released');
      el.open();
      release();
      await until(() => $(el, '.panel textarea'), 'the panel took over the box');
      equal($(el, '.panel')?.getAttribute('aria-modal'), 'true', 'the panel is modal too');
      equal(document.body.style.position, 'fixed', 'the page is still pinned');
    } finally {
      await setViewport({ width: 1280, height: 800 });
    }
  });
});
