/**
 * Who is connected: every open socket, the sessions of each visitor and
 * agent, and which sockets watch each conversation. Joining and watching
 * subscribe the socket to its topics (topics.ts); the first session of a user
 * and the last one leaving are reported to `PresenceSink`, which tells the
 * others.
 */
import { cs } from '../../../proto/gen/chat.js';
import { SessionPhase, type SessionData, type Socket } from './session.js';
import { INBOX_BATCH_TOPIC, INBOX_TOPIC, INBOX_UPDATES_TOPIC, messageTopic, PRESENCE_TOPIC, VISITOR_PRESENCE_TOPIC } from './topics.js';

/** The four message topics of a conversation, in slot order: visitor modern, visitor legacy, agent modern, agent legacy. */
export const Slot = { VisitorModern: 0, VisitorLegacy: 1, AgentModern: 2, AgentLegacy: 3 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];

/** The message topic slot of a session (its role and core-level band). */
export function slotOf(session: SessionData): Slot {
  const visitor = session.role === cs.v1.Role.VISITOR;
  if (visitor) return session.modern ? Slot.VisitorModern : Slot.VisitorLegacy;
  return session.modern ? Slot.AgentModern : Slot.AgentLegacy;
}

/**
 * Who watches one conversation: its sockets, how many are subscribed to each
 * of its four topics, and the topic names (made once, not per message). The
 * fan-out publishes only to topics someone other than the sender listens to.
 */
export class Route {
  /** Topic names by slot. */
  readonly topics: readonly [string, string, string, string];
  /** Subscribers by slot. */
  readonly subscribers = [0, 0, 0, 0];
  /** Every watching socket (both audiences), to spot the ones publish skipped. */
  readonly sockets: Socket[] = [];

  constructor(readonly conversationId: string) {
    this.topics = [messageTopic('v', true, conversationId), messageTopic('v', false, conversationId), messageTopic('a', true, conversationId), messageTopic('a', false, conversationId)];
  }

  /** True when a publish to `slot` reaches someone besides `from` (a socket of this route, or none). */
  reaches(slot: Slot, fromSlot: Slot | -1): boolean {
    return this.subscribers[slot]! > (slot === fromSlot ? 1 : 0);
  }
}

/** Told when a user's first session joins or last one leaves. */
export interface PresenceSink {
  agentsChanged(): void;
  visitorChanged(visitorId: string, online: boolean): void;
}

export class Registry {
  /** Every open socket (added on open, removed on close). */
  readonly sockets = new Set<Socket>();
  // Small arrays, not Sets: most hold one socket, and an empty Set's table costs more than the socket's session.
  private readonly visitorSockets = new Map<string, Socket[]>();
  private readonly agentSockets = new Map<string, Socket[]>();
  /** Who watches each conversation (absent: nobody). */
  private readonly routes = new Map<string, Route>();
  private presence: PresenceSink | undefined;
  /** Set by the shutdown: sessions closing now tell nobody (every peer is closing too). */
  shuttingDown = false;

  /** Sets who hears about presence changes. */
  reportPresenceTo(sink: PresenceSink): void {
    this.presence = sink;
  }

  /** Registers a session after its Welcome; reports presence changes. */
  join(ws: Socket): void {
    const session = ws.getUserData().session;
    ws.subscribe(session.role === cs.v1.Role.AGENT ? PRESENCE_TOPIC : VISITOR_PRESENCE_TOPIC);
    if (session.role === cs.v1.Role.AGENT) {
      ws.subscribe(INBOX_TOPIC);
      ws.subscribe(session.inboxBatch ? INBOX_BATCH_TOPIC : INBOX_UPDATES_TOPIC);
      if (addTo(this.agentSockets, session.userId, ws)) this.presence?.agentsChanged();
    } else if (addTo(this.visitorSockets, session.userId, ws)) {
      this.presence?.visitorChanged(session.userId, true);
    }
  }

  /** Unregisters a closed session. */
  leave(ws: Socket, session: SessionData): void {
    for (const conversationId of session.watching) this.removeWatcher(ws, session, conversationId);
    if (session.role === cs.v1.Role.AGENT) {
      if (removeFrom(this.agentSockets, session.userId, ws) && !this.shuttingDown) this.presence?.agentsChanged();
    } else if (session.role === cs.v1.Role.VISITOR) {
      if (removeFrom(this.visitorSockets, session.userId, ws) && !this.shuttingDown) this.presence?.visitorChanged(session.userId, false);
    }
  }

  /** Starts pushing a conversation's messages to a socket. */
  watch(ws: Socket, conversationId: string): void {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed || session.watching.has(conversationId)) return;
    session.watching.add(conversationId);
    let route = this.routes.get(conversationId);
    if (!route) this.routes.set(conversationId, (route = new Route(conversationId)));
    const slot = slotOf(session);
    route.sockets.push(ws);
    route.subscribers[slot]!++;
    ws.subscribe(route.topics[slot]);
  }

  /** Stops pushing a conversation's messages to a socket. */
  unwatch(ws: Socket, conversationId: string): void {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed || !session.watching.delete(conversationId)) return;
    session.received?.delete(conversationId);
    this.removeWatcher(ws, session, conversationId);
    ws.unsubscribe(messageTopic(session.role === cs.v1.Role.VISITOR ? 'v' : 'a', session.modern, conversationId));
  }

  /** Takes `ws` out of a conversation's route (uWS drops a closed socket's subscriptions itself). */
  private removeWatcher(ws: Socket, session: SessionData, conversationId: string): void {
    const route = this.routes.get(conversationId);
    const at = route ? route.sockets.indexOf(ws) : -1;
    if (!route || at < 0) return;
    route.sockets.splice(at, 1);
    route.subscribers[slotOf(session)]!--;
    if (route.sockets.length === 0) this.routes.delete(conversationId);
  }

  /** The assignee changed: the new one's sessions watch the conversation, the previous one's stop unless they subscribed. */
  reassign(conversationId: string, previousId: string, nextId: string): void {
    for (const ws of this.agentSessions(previousId)) {
      if (!ws.getUserData().session.subscribed?.has(conversationId)) this.unwatch(ws, conversationId);
    }
    for (const ws of this.agentSessions(nextId)) this.watch(ws, conversationId);
  }

  /** Sockets watching a conversation (both audiences). */
  watchersOf(conversationId: string): readonly Socket[] {
    return this.routes.get(conversationId)?.sockets ?? [];
  }

  /** Who watches a conversation; undefined when nobody does. */
  routeOf(conversationId: string): Route | undefined {
    return this.routes.get(conversationId);
  }

  /** Every open session of a visitor (all devices). */
  visitorSessions(visitorId: string): readonly Socket[] {
    return this.visitorSockets.get(visitorId) ?? [];
  }

  /** Every open session of an agent. */
  agentSessions(agentId: string): readonly Socket[] {
    return this.agentSockets.get(agentId) ?? [];
  }

  /** Agent ids with at least one open session. */
  onlineAgents(): string[] {
    return [...this.agentSockets.keys()];
  }

  /** How many agents have at least one open session. */
  agentsOnline(): number {
    return this.agentSockets.size;
  }

  /** True when the visitor has a session open. */
  isVisitorOnline(visitorId: string): boolean {
    return this.visitorSockets.has(visitorId);
  }
}

/** Adds `ws` under `key`; true when it is the first socket there. */
function addTo(map: Map<string, Socket[]>, key: string, ws: Socket): boolean {
  const list = map.get(key);
  if (!list) {
    map.set(key, [ws]);
    return true;
  }
  if (!list.includes(ws)) list.push(ws);
  return false;
}

/** Removes `ws` from under `key`; true when it was the last socket there. */
function removeFrom(map: Map<string, Socket[]>, key: string, ws: Socket): boolean {
  const list = map.get(key);
  const at = list ? list.indexOf(ws) : -1;
  if (!list || at < 0) return false;
  list.splice(at, 1);
  if (list.length > 0) return false;
  map.delete(key);
  return true;
}
