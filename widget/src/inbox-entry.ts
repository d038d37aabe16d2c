/**
 * The workbench's bundle entry (dist/cs-inbox.js): `<cs-inbox>`, and the
 * chunk loader its session needs. The workbench has no byte budget, so the
 * one chunk it may use (`stream`, the HTTP streaming fallback, when the
 * agent's WebSocket is blocked) is bundled in and "loaded" at once.
 */
import { setChunkLoader, type ChunkLoader } from './chunks.js';
import * as stream from './transport/stream-socket.js';
import './elements/cs-inbox.js';

const bundled: ChunkLoader = (name) =>
  name === 'stream' ? Promise.resolve(stream as never) : Promise.reject(new Error(`cs-inbox: no chunk "${name}" in the workbench bundle`));
setChunkLoader(bundled);
