/**
 * Per-connection session state, kept in the connection's typed user data
 * (`ws.getUserData().session`). Filled by the upgrade (ip, origin) and by Hello.
 */
import { randomBytes } from 'node:crypto';
import type { RecognizedString } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import type { Viewer } from '../broadcast/index.js';
import { TokenBucket } from './rate-limit.js';

/** Session lifecycle: waiting for Hello, serving, or gone. */
export const SessionPhase = { Greeting: 'greeting', Ready: 'ready', Closed: 'closed' } as const;
export type SessionPhase = (typeof SessionPhase)[keyof typeof SessionPhase];

/** Server-side re-push bookkeeping for one watched conversation (DESIGN.md §3.8). */
export interface RepushState {
  /** The session's cumulative Received cursor. */
  upTo: number;
  /** When the server first saw messages past `upTo` unconfirmed (0: none), ms. */
  since: number;
}

/** A workbench socket's staff identity, from the session cookie on the upgrade (gateway/staff.ts). */
export interface StaffAuth {
  readonly accountId: string;
  readonly name: string;
  /** The sign-in session (revoking it closes this socket). */
  readonly authSessionId: string;
}

export interface SessionData {
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
  /** Set when the upgrade was authenticated by the session cookie; Hello then signs in this account. */
  readonly staff: StaffAuth | undefined;
  phase: SessionPhase;
  role: cs.v1.Role;
  /** Visitor id or agent id. */
  userId: string;
  name: string;
  deviceId: string;
  platform: string;
  appVersion: string;
  coreLevel: number;
  /** Renders every kind (else gets downgraded copies on the legacy topics). */
  modern: boolean;
  /** Agents: takes inbox notices as InboxBatch frames (Hello.inbox_batch). */
  inboxBatch: boolean;
  lang: string;
  /** Visitors: the device's IANA time zone (Hello.time_zone), '' when not sent or unknown. */
  timeZone: string;
  site: string;
  topic: string;
  /** Visitors: the conversation for site + topic. */
  primaryConversationId: string;
  /** Conversations pushed to this session: a visitor's own; an agent's assigned or subscribed ones. */
  readonly watching: Set<string>;
  /** Agents: conversations opened with Subscribe (kept through unassignment); made on the first one. */
  subscribed: Set<string> | undefined;
  /** Received cursors per watched conversation; made on the first Received (opt-in to re-push). */
  received: Map<string, RepushState> | undefined;
  readonly bucket: TokenBucket;
  /** Frames refused by the rate limit in a row (a flood past a limit closes the socket). */
  limitedInRow: number;
  /** Undecodable frames so far (too many closes the socket). */
  badFrames: number;
  /** Past the buffered limit: pushes stop; Error RESYNC once it drains (DESIGN.md §3.10). */
  behind: boolean;
  /** Closes the socket when no Hello comes within `helloTimeoutMs`; cleared at Hello (10,000 connections made at once must not leave 10,000 timers to fire 10 s later) and on close. */
  helloTimer: NodeJS.Timeout | undefined;
  /** Agents signed in with an expiring service token: closes the session at the expiry (cleared on close). */
  expiryTimer: NodeJS.Timeout | undefined;
  /** Visitors: the session as the public mailbox sees it (DESIGN.md §6); set at Hello. */
  viewer: Viewer | undefined;
  /** The topic only this session listens to (Outbound.sendQueued), subscribed on first use. */
  ownTopic: string | undefined;
}

/**
 * What uWS keeps per socket. uWS.js copies the own properties of the object
 * given to `upgrade` onto its socket object, where two dozen of them land in
 * a property dictionary of about 1.6 KB per socket; one property holding the
 * session keeps the socket object small (DESIGN.md: < 4 KB per idle connection).
 */
export interface SocketData {
  readonly session: SessionData;
}

/**
 * One client connection, whatever carries it: a uWS WebSocket (which has
 * exactly these methods, so the WebSocket path pays nothing for the
 * abstraction) or an HTTP stream (`GET /stream` + `POST /send`,
 * gateway/stream-connection.ts). The registry, the outbound fan-out and the
 * handlers see only this, never the transport. The semantics are uWS's:
 *
 * - `send` returns 0 (sent), 1 (buffered: backpressure) or 2 (dropped: past
 *   `maxBackpressureBytes`);
 * - `publish` reaches the topic's WebSocket subscribers except this one (the
 *   outbound adds the topic's stream subscribers, see StreamTopics);
 * - `end` closes with a WebSocket close code and reason; the close handler
 *   of the transport then runs the shared bookkeeping (connections.ts).
 */
export interface Connection {
  getUserData(): SocketData;
  send(message: RecognizedString, isBinary?: boolean, compress?: boolean): number;
  getBufferedAmount(): number;
  end(code?: number, shortMessage?: RecognizedString): void;
  subscribe(topic: RecognizedString): boolean;
  unsubscribe(topic: RecognizedString): boolean;
  publish(topic: RecognizedString, message: RecognizedString, isBinary?: boolean, compress?: boolean): boolean;
  /** Runs `cb` with the writes it makes batched into one (a WebSocket: one syscall; a stream: one chunk). */
  cork(cb: () => void): unknown;
  getRemoteAddressAsText(): ArrayBuffer;
}

/** A connection of this server (the name predates the HTTP streams: a WebSocket or a stream). */
export type Socket = Connection;

/**
 * Fresh user data for an upgrading socket. Kept small (DESIGN.md targets a
 * few KB per idle connection): the collections only some sessions use are
 * made on first use.
 */
export function newSessionData(ip: string, origin: string, burst: number, perSecond: number, nowMs: number, staff?: StaffAuth): SessionData {
  return {
    id: randomBytes(9).toString('base64url'),
    ip,
    origin,
    staff,
    phase: SessionPhase.Greeting,
    role: cs.v1.Role.ROLE_UNSPECIFIED,
    userId: '',
    name: '',
    deviceId: '',
    platform: '',
    appVersion: '',
    coreLevel: 0,
    ownTopic: undefined,
    modern: false,
    inboxBatch: false,
    lang: 'en',
    timeZone: '',
    site: '',
    topic: '',
    primaryConversationId: '',
    watching: new Set(),
    subscribed: undefined,
    received: undefined,
    bucket: new TokenBucket(burst, perSecond, nowMs),
    limitedInRow: 0,
    badFrames: 0,
    behind: false,
    helloTimer: undefined,
    expiryTimer: undefined,
    viewer: undefined,
  };
}
