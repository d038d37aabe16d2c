/** The gateway: WebSocket upgrade and HTTP streams (one connection abstraction), sessions, auth, limits, codec, and the hub (registry, outbound fan-out, notices, re-push) that implements the pipeline's ports. */
export { registerWebSocket } from './app.js';
export { Connections } from './connections.js';
export { registerStreams, type Streams } from './stream.js';
export { Hub } from './hub.js';
export type { GatewayContext } from './context.js';
export { decodeFrame, encodeFrame, type DecodedFrame, type FrameType } from './codec.js';
export { signAgentToken, signIdentity, signVisitorToken, siteTag, verifyAgentToken, type Keys } from './auth.js';
export type { Connection, SessionData, Socket } from './session.js';
