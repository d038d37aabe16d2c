/**
 * Lazy chunks: code `dist/cs-chat.js` does not carry, fetched when first
 * needed (and preloaded when the page is idle), from the same place as the
 * script itself. Every page view downloads cs-chat.js; only visitors who open
 * the chat need the panel, so the panel (and each feature's visitor code that
 * is not needed before the chat opens) lives in a chunk. How a feature adds
 * one: widget/build.mjs (the `CHUNKS` comment) and the README's size section.
 *
 * Code asks for a chunk by name, `await loadChunk('panel')`, and gets the
 * chunk module's exports, typed by {@link Chunks}. Who fetches it is set once
 * by the entry: the script-tag entry (embed.ts) loads `dist/chunks/*.js` as
 * classic scripts built against the modules cs-chat.js shares on its private
 * global ({@link ChunkRegistry}); the ESM entry (index.ts) and the tests use
 * plain `import()` (chunks-esm.ts).
 */
import type { Disposer } from './core/types.js';

/** The lazy chunks by name: each is the module its entry file exports (type only: nothing here imports them). */
export interface Chunks {
  /** `<cs-chat>`'s panel: message list, rows, composer, panel styles and texts. */
  readonly panel: typeof import('./elements/chat-panel.js');
  /** `<cs-news>`, the announcements' card and banner. */
  readonly news: typeof import('./elements/cs-news.js');
  /** The HTTP streaming transport, loaded only when WebSocket is blocked (transport/fallback.ts). */
  readonly stream: typeof import('./transport/stream-socket.js');
  /** The upload code (scaling, upload, files through the outbox): on the first attachment. */
  readonly uploads: typeof import('./uploads-entry.js');
}

export type ChunkName = keyof Chunks;

/** Fetches a chunk and resolves with its exports; rejects when it could not be loaded. */
export type ChunkLoader = <N extends ChunkName>(name: N) => Promise<Chunks[N]>;

/**
 * The private global `dist/cs-chat.js` sets up (widget/build.mjs writes it,
 * under {@link REGISTRY_KEY}) before any of its own code runs: `m` holds the
 * exports it shares with the chunks (Lit's `html`, the core's `ConnState`, …)
 * by name, in one flat namespace (the build refuses a name two modules share),
 * `files` each chunk's file (content-hashed, under `chunks/`), and `chunks`
 * each chunk's exports once its script ran.
 */
export interface ChunkRegistry {
  readonly m: Readonly<Record<string, unknown>>;
  readonly files: Readonly<Record<string, string>>;
  readonly chunks: Record<string, unknown>;
}

/** Name of the {@link ChunkRegistry} global (widget/build.mjs uses the same). */
export const REGISTRY_KEY = '__csChat';

let loader: ChunkLoader = (name) => Promise.reject(new Error(`cs-chat: no chunk loader set (chunk "${name}")`));
const loaded = new Map<ChunkName, Promise<unknown>>();

/** Sets how chunks are fetched (once, by the entry) and forgets what was loaded. */
export function setChunkLoader(next: ChunkLoader): void {
  loader = next;
  loaded.clear();
}

/**
 * The chunk's exports: fetched on the first call, the same promise after.
 * A failed load is forgotten, so the next call tries again (a visitor who
 * was offline gets the panel once back online).
 */
export function loadChunk<N extends ChunkName>(name: N): Promise<Chunks[N]> {
  let p = loaded.get(name) as Promise<Chunks[N]> | undefined;
  if (!p) {
    p = loader(name);
    loaded.set(name, p);
    p.catch(() => {
      if (loaded.get(name) === p) loaded.delete(name);
    });
  }
  return p;
}

/** How long a preload waits for the page to be idle at most, ms. */
const PRELOAD_TIMEOUT_MS = 5000;

/**
 * Loads the chunks when the page is idle (`requestIdleCallback`, a timer
 * where there is none), so that opening the chat is instant. A failure is
 * left for the real use to retry.
 * @returns a disposer that cancels a preload not started yet.
 */
export function preloadChunks(names: readonly ChunkName[]): Disposer {
  const run = (): void => {
    for (const name of names) loadChunk(name).catch(() => undefined);
  };
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(run, { timeout: PRELOAD_TIMEOUT_MS });
    return () => cancelIdleCallback(id);
  }
  const timer = setTimeout(run, 1000);
  return () => clearTimeout(timer);
}

/**
 * The script-tag loader: `<script src>` of the chunk's file resolved against
 * `base` (the URL of cs-chat.js itself), with the page's CSP nonce when the
 * script tag had one. A classic script needs no CORS, and the file name
 * carries a content hash, so an old cs-chat.js never runs a newer chunk.
 */
export function scriptChunkLoader(registry: ChunkRegistry, base: string, nonce = ''): ChunkLoader {
  return <N extends ChunkName>(name: N) =>
    new Promise<Chunks[N]>((resolve, reject) => {
      const file = registry.files[name];
      if (!file) {
        reject(new Error(`cs-chat: no chunk "${name}" in this build`));
        return;
      }
      const url = new URL(file, base).href;
      const script = document.createElement('script');
      script.src = url;
      script.async = true;
      if (nonce) script.nonce = nonce;
      script.onload = () => {
        script.remove();
        const chunk = registry.chunks[name];
        // A 200 that was not the chunk (a proxy's HTML page, a truncated file) runs, or fails to parse, and fires load.
        if (chunk) resolve(chunk as Chunks[N]);
        else reject(new Error(`cs-chat: ${url} did not register chunk "${name}"`));
      };
      script.onerror = () => {
        script.remove();
        reject(new Error(`cs-chat: could not load ${url}`));
      };
      document.head.append(script);
    });
}
