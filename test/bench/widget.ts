/**
 * Widget benchmarks, called by run.ts:
 * - the cost of inserting 1,000 out-of-order messages into the core Timeline
 *   (pure code, measured in Node);
 * - in headless Chromium against our built server: gzip and brotli bytes of
 *   everything the demo page downloads for the widget, the time from the
 *   script's arrival to the launcher painted, and a 10,000-message
 *   conversation (seeded through a protocol client) opened: time to first
 *   render and frame times while scrolling up through it.
 * The browser part is skipped, with the reason, when dist/cs-chat.js or the
 * built server is missing.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { Timeline } from '../../widget/src/core/timeline.js';
import { MessageState, type TimelineItem } from '../../widget/src/core/types.js';
import { connect, Wire } from './lib/clients.js';
import { quantile } from './lib/stats.js';
import { BENCH_IDENTITY_SECRET, ourServerEntry, repoRoot, startTarget, TARGETS, type RunningServer } from './lib/targets.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const DEMO_SITE = 'demo-shop';

function item(conversationId: string, seq: number): TimelineItem {
  return {
    key: `m${seq}`,
    conversationId,
    seq,
    clientMsgId: `m${seq}`,
    senderId: 'v',
    senderRole: 1,
    senderName: '',
    kind: 0,
    text: `message ${seq}`,
    quoteSeq: 0,
    quickReplies: [],
    timeMs: seq,
    own: false,
    state: MessageState.Sent,
  };
}

function shuffled<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** Median ms of inserting 1,000 shuffled messages one by one, into an empty timeline and into one holding 10,000. */
export function timelineInsertBench(): { emptyMs: number; into10kMs: number; usPerInsertInto10k: number } {
  const run = (held: number): number => {
    const t = new Timeline();
    if (held) t.insert(Array.from({ length: held }, (_v, i) => item('c', i + 1)).filter((_x, i) => i % 11 !== 0));
    // 1,000 seqs in random order: the holes of the held range and new ones above it.
    const seqs = shuffled(Array.from({ length: 1000 }, (_v, i) => (held ? (i < 900 ? i * 11 + 1 : held + i) : i + 1)));
    const items = seqs.map((s) => item('c', s));
    const t0 = performance.now();
    for (const it of items) t.insert([it]);
    t.items();
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) run(10_000); // warm up the JIT
  const empty = quantile(Array.from({ length: 7 }, () => run(0)), 0.5);
  const into = quantile(Array.from({ length: 7 }, () => run(10_000)), 0.5);
  const r2 = (n: number): number => Math.round(n * 100) / 100;
  return { emptyMs: r2(empty), into10kMs: r2(into), usPerInsertInto10k: r2(into) };
}

interface Download {
  url: string;
  bytes: number;
  gzip: number;
  brotli: number;
}

function compressed(url: string, body: Buffer): Download {
  return {
    url,
    bytes: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** Demo-page assets that are the shop's own, not the widget's. */
function isShopAsset(url: URL, pageUrl: string): boolean {
  return url.href === pageUrl || /\.(html|css|png|jpe?g|webp|svg|ico|woff2?)$/.test(url.pathname) || url.pathname === '/';
}

/** Performance marks the widget sets (widget/build.mjs banner and ChatController). */
const SCRIPT_START = 'cs-chat:script-start';
const LAUNCHER_PAINTED = 'cs-chat:launcher-painted';

/**
 * Loads the demo page and reads the widget's own marks: from the first
 * statement of the bundle to just after the launcher's first paint (the
 * honest figure: it includes evaluating the bundle), and, for comparison,
 * from the moment the script's bytes had arrived.
 */
async function pageLoad(page: Page, url: string): Promise<{ downloads: Download[]; launcherMs: number | undefined; launcherFromArrivalMs: number | undefined }> {
  const bodies: Promise<Download | undefined>[] = [];
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (u.protocol.startsWith('ws') || isShopAsset(u, url)) return;
    bodies.push(res.body().then((b) => compressed(u.pathname, b), () => undefined));
  });
  // tsx (esbuild keepNames) wraps named functions in __name(); the page has no such helper.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, LAUNCHER_PAINTED, { timeout: 15_000 });
  const t = await page.evaluate(
    ({ start, painted }) => {
      const at = (name: string): number | undefined => performance.getEntriesByName(name)[0]?.startTime;
      const script = performance.getEntriesByType('resource').find((e) => /cs-chat[^/]*\.js/.test(e.name)) as PerformanceResourceTiming | undefined;
      return { start: at(start), painted: at(painted), arrived: script?.responseEnd };
    },
    { start: SCRIPT_START, painted: LAUNCHER_PAINTED },
  );
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const downloads = (await Promise.all(bodies)).filter((d): d is Download => d !== undefined);
  const since = (from: number | undefined): number | undefined =>
    from === undefined || t.painted === undefined ? undefined : Math.round((t.painted - from) * 10) / 10;
  return { downloads, launcherMs: since(t.start), launcherFromArrivalMs: since(t.arrived) };
}

/** A conversation of `n` messages for an identified demo visitor, written through a protocol client. */
export async function seed(server: RunningServer, userId: string, signature: string, n: number): Promise<void> {
  let acked = 0;
  let sent = 0;
  let done: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const all = new Promise<void>((ok, no) => {
    done = ok;
    fail = no;
  });
  let conversationId = '';
  const client = await connect(
    { wire: Wire.Proto, url: server.url },
    {
      onAck: (_id, _seq, status) => {
        if (status === 2) return fail(new Error('seed message rejected (rate limit not lifted?)'));
        if (++acked === n) done();
        else if (sent < n) client.send(conversationId, `seed${sent++}`, `History message ${sent}: a line of text the size a visitor types.`);
      },
    },
  );
  const welcome = await client.hello({ token: '', site: DEMO_SITE, identity: { userId, signature } });
  conversationId = welcome.conversations[0]?.id ?? '';
  if (!conversationId) throw new Error('the identified visitor got no conversation in Welcome');
  for (let k = 0; k < 100 && sent < n; k++) client.send(conversationId, `seed${sent++}`, `History message ${sent}: a line of text the size a visitor types.`);
  await all;
  client.close();
}

interface CsChatLike extends HTMLElement {
  open(): void;
  identify(i: { userId: string; signature: string }): Promise<void>;
}

async function openLongConversation(page: Page, url: string, userId: string, signature: string, frames: number) {
  // tsx (esbuild keepNames) wraps named functions in __name(); the page has no such helper.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => !!document.querySelector('cs-chat')?.shadowRoot?.querySelector('[part~="launcher"]'), null, { timeout: 15_000 });
  await page.evaluate(({ userId, signature }) => (document.querySelector('cs-chat') as CsChatLike).identify({ userId, signature }), { userId, signature });
  await page.waitForTimeout(2000); // the identified session resumes and caches the newest page
  const open = await page.evaluate(
    () =>
      new Promise<{ firstRenderMs: number; rendered: number }>((resolve) => {
        const el = document.querySelector('cs-chat') as CsChatLike;
        const t0 = performance.now();
        el.open();
        const poll = (): void => {
          const n = el.shadowRoot?.querySelectorAll('[part~="message"]').length ?? 0;
          if (n > 0) setTimeout(() => resolve({ firstRenderMs: performance.now() - t0, rendered: n }), 0);
          else if (performance.now() - t0 > 10_000) resolve({ firstRenderMs: NaN, rendered: 0 });
          else requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      }),
  );
  await page.waitForTimeout(300);
  // Phase 1: a reader scrolling up 400 px a frame; frame times measured.
  const scroll = await page.evaluate(
    (frames) =>
      new Promise<{ deltas: number[]; renderedAfter: number }>((resolve) => {
        const root = document.querySelector('cs-chat')!.shadowRoot!;
        const scroller = root.querySelector('.log') as HTMLElement | null;
        const deltas: number[] = [];
        let last = performance.now();
        let left = frames;
        const step = (now: number): void => {
          deltas.push(now - last);
          last = now;
          if (scroller) scroller.scrollTop -= 400;
          if (--left > 0) requestAnimationFrame(step);
          else resolve({ deltas: deltas.slice(1), renderedAfter: root.querySelectorAll('[part~="message"]').length });
        };
        requestAnimationFrame(step);
      }),
    frames,
  );
  // Phase 2: the scrollbar held at the top until the conversation's first message is rendered
  // (older pages come from the server 50 at a time); how long that takes, and the frame times meanwhile.
  const toTop = await page.evaluate(
    (capMs) =>
      new Promise<{ ms: number; frames: number[]; reached: boolean; firstText: string }>((resolve) => {
        const root = document.querySelector('cs-chat')!.shadowRoot!;
        const scroller = root.querySelector('.log') as HTMLElement | null;
        const firstText = (): string => root.querySelector('[part~="message"]')?.textContent ?? '';
        const t0 = performance.now();
        const frames: number[] = [];
        let last = t0;
        const step = (now: number): void => {
          frames.push(now - last);
          last = now;
          const reached = firstText().includes('History message 1:');
          if (reached || now - t0 > capMs) {
            resolve({ ms: now - t0, frames: frames.slice(1), reached, firstText: firstText().trim().slice(0, 40) });
            return;
          }
          if (scroller) scroller.scrollTop = 0;
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    60_000,
  );
  const r1 = (n: number): number => Math.round(n * 10) / 10;
  return {
    firstRenderMs: r1(open.firstRenderMs),
    renderedAtOpen: open.rendered,
    scrollFrames: scroll.deltas.length,
    scrollFrameP50Ms: r1(quantile(scroll.deltas, 0.5)),
    scrollFrameP95Ms: r1(quantile(scroll.deltas, 0.95)),
    scrollFrameMaxMs: r1(Math.max(...scroll.deltas)),
    renderedAfterScroll: scroll.renderedAfter,
    toTopMs: Math.round(toTop.ms),
    toTopFrameP95Ms: r1(quantile(toTop.frames, 0.95)),
    reachedFirstMessage: toTop.reached,
    firstRenderedAfter: toTop.firstText,
  };
}

export async function runWidgetBench(opts: { quick: boolean }): Promise<unknown> {
  const result: Record<string, unknown> = {};
  try {
    result.timelineInsert1000 = timelineInsertBench();
    console.log(`bench: widget Timeline, 1,000 out-of-order inserts: ${JSON.stringify(result.timelineInsert1000)}`);
  } catch (e) {
    result.timelineInsert1000 = { error: String(e) };
  }
  const bundle = join(repoRoot, 'dist', 'cs-chat.js');
  if (!existsSync(bundle) || !existsSync(ourServerEntry)) {
    const skipped = `${existsSync(bundle) ? ourServerEntry : bundle} is missing: run \`npm run build\``;
    result.browser = { skipped };
    console.log(`bench: widget browser part skipped: ${skipped}`);
    return result;
  }
  let server: RunningServer | undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    server = await startTarget(TARGETS.ours);
    const url = `http://127.0.0.1:${server.port}/`;
    const loads = [];
    for (let i = 0; i < (opts.quick ? 5 : 9); i++) {
      const context = await browser.newContext();
      loads.push(await pageLoad(await context.newPage(), url));
      await context.close();
    }
    const downloads = loads[0]!.downloads;
    const sum = (k: 'bytes' | 'gzip' | 'brotli'): number => downloads.reduce((a, d) => a + d[k], 0);
    result.bytes = { files: downloads, total: sum('bytes'), gzip: sum('gzip'), brotli: sum('brotli') };
    const launch = loads.map((l) => l.launcherMs).filter((x): x is number => x !== undefined);
    const fromArrival = loads.map((l) => l.launcherFromArrivalMs).filter((x): x is number => x !== undefined);
    result.launcherPaintedMs = { median: quantile(launch, 0.5), runs: launch, fromArrivalMedian: quantile(fromArrival, 0.5) };
    console.log(
      `bench: widget downloads ${sum('bytes')} B, ${sum('gzip')} B gzip, ${sum('brotli')} B brotli; launcher painted ${quantile(launch, 0.5)} ms after the script started (${quantile(fromArrival, 0.5)} ms after it arrived)`,
    );

    const n = 10_000;
    const userId = `bench-${Date.now().toString(36)}`;
    const signature = createHmac('sha256', BENCH_IDENTITY_SECRET).update(userId).digest('hex');
    const t0 = performance.now();
    await seed(server, userId, signature, n);
    console.log(`bench: seeded ${n} messages in ${Math.round(performance.now() - t0)} ms`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    result.longConversation = { messages: n, ...(await openLongConversation(await context.newPage(), url, userId, signature, opts.quick ? 90 : 600)) };
    console.log(`bench: ${n}-message conversation: ${JSON.stringify(result.longConversation)}`);
    await context.close();
  } catch (e) {
    result.browserError = String(e instanceof Error ? e.message : e);
    console.log(`bench: widget browser part failed: ${result.browserError}`);
  } finally {
    await browser.close();
    await server?.stop();
  }
  return result;
}
