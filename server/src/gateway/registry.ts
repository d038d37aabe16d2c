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
  /** Sockets watching each conversation (both audiences), to spot the ones publish skipped. */
  private readonly watchers = new Map<string, Socket[]>();
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
    for (const conversationId of session.watching) removeFrom(this.watchers, conversationId, ws);
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
    addTo(this.watchers, conversationId, ws);
    ws.subscribe(messageTopic(session.role === cs.v1.Role.VISITOR ? 'v' : 'a', session.modern, conversationId));
  }

  /** Stops pushing a conversation's messages to a socket. */
  unwatch(ws: Socket, conversationId: string): void {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed || !session.watching.delete(conversationId)) return;
    session.received?.delete(conversationId);
    removeFrom(this.watchers, conversationId, ws);
    ws.unsubscribe(messageTopic(session.role === cs.v1.Role.VISITOR ? 'v' : 'a', session.modern, conversationId));
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
    return this.watchers.get(conversationId) ?? [];
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
