/** The WebSocket gateway: upgrade, sessions, auth, limits, codec, fan-out hub. */
export { registerWebSocket } from './app.js';
export { Hub } from './hub.js';
export { decodeFrame, encodeFrame, type DecodedFrame, type FrameType } from './codec.js';
export { signAgentToken, signIdentity, signVisitorToken, verifyAgentToken, type Keys } from './auth.js';
export type { SessionData, Socket } from './session.js';
