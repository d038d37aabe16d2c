/** The widget's transport: frame codec, WebSocket connection, and the ChatSession the elements use. */
export { ChatSession, CORE_LEVEL, PAGE_SIZE, browserSessionEnv, type SessionEnv } from './session.js';
export { Connection, browserEnv, type ConnectionEnv, type ConnectionHandlers, type ConnectionOptions, type SocketLike } from './connection.js';
export { decodeFrame, encodeFrame, FrameDecodeError, type DecodeResult, type Frame, type FrameInit } from './codec.js';
/** The session contract and domain types live in core/; re-exported for callers of the transport. */
export * from '../core/types.js';
