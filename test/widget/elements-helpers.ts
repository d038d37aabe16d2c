/**
 * Small helpers for the `<cs-chat>` browser tests: mocha's globals (the
 * runner provides them; declared here for the type checker), assertions,
 * and a fixture that mounts an element on a fake session.
 */
import '../../widget/src/chunks-esm.js';
import '../../widget/src/elements/cs-chat.js';
import type { CsChat } from '../../widget/src/elements/cs-chat.js';
import { FakeSession } from './elements-fake-session.js';

declare global {
  function describe(name: string, body: () => void): void;
  function it(name: string, body: () => Promise<void> | void): void;
  function afterEach(body: () => Promise<void> | void): void;
}

export function ok(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`Assertion failed: ${message}`);
}

export function equal<T>(actual: T, expected: T, message: string): void {
  if (actual !== expected) throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Waits for a condition, polling each animation frame, up to `ms`. */
export async function until(cond: () => unknown, message: string, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`Timed out waiting: ${message}`);
    await new Promise((r) => requestAnimationFrame(r));
  }
}

const mounted: HTMLElement[] = [];

/** Mounts `<cs-chat>` with a fake session and the given attributes; waits for the first render. */
export async function mount(attrs: Record<string, string> = {}, session = new FakeSession()): Promise<{ el: CsChat; session: FakeSession }> {
  const el = document.createElement('cs-chat');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.session = session;
  document.body.append(el);
  mounted.push(el);
  await el.updateComplete;
  await until(() => session.calledWith('start').length > 0, 'session started');
  return { el, session };
}

/** Removes every mounted element (call in afterEach). */
export function afterEachCleanup(): void {
  for (const el of mounted.splice(0)) el.remove();
}

/** Queries the element's shadow root. */
export function $(el: CsChat, selector: string): HTMLElement | null {
  return el.shadowRoot?.querySelector<HTMLElement>(selector) ?? null;
}

export function $$(el: CsChat, selector: string): HTMLElement[] {
  return [...(el.shadowRoot?.querySelectorAll<HTMLElement>(selector) ?? [])];
}

/** Opens the panel and waits until it rendered (its code is the lazy `panel` chunk: loaded by then). */
export async function openPanel(el: CsChat): Promise<void> {
  el.open();
  await until(() => el.shadowRoot?.querySelector('.panel textarea'), 'the panel rendered from its chunk');
  await el.updateComplete;
  await new Promise((r) => requestAnimationFrame(r));
}

/** Pretends the page is hidden or visible and tells the document. */
export function setPageHidden(hidden: boolean): void {
  Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true });
  Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}
