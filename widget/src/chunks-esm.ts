/**
 * The chunk loader for ESM use (dist/esm/index.js, the tests): the chunks are
 * ordinary modules, loaded by `import()` (an app's bundler splits them off).
 */
import { setChunkLoader, type ChunkName, type Chunks } from './chunks.js';

/** Each chunk's module by `import()` (tests wrap it to make loads fail). */
export const esmChunks: { readonly [N in ChunkName]: () => Promise<Chunks[N]> } = {
  panel: () => import('./elements/chat-panel.js'),
  news: () => import('./elements/cs-news.js'),
  stream: () => import('./transport/stream-socket.js'),
};

setChunkLoader((name) => esmChunks[name]());
