/**
 * What `<cs-chat>` and `<cs-inbox>` share between a session and their views:
 * the {@link SessionController} base of both controllers, the
 * {@link SessionLink} they follow a session with, the empty
 * view and the newest seq shown (for read receipts). The one builder of the
 * context the rows render with is message-context.ts (the views only).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ConnState, type ConversationView, type Disposer, type Session, type SessionEvents, type TimelineItem } from '../core/types.js';

/** The view of no conversation (none open, or not known yet). */
export const EMPTY_VIEW: ConversationView = Object.freeze({ info: undefined, items: [], hasOlder: false, typing: [] });

/** The highest seq among a view's items (pending ones have none), 0 when none is seq'd. */
export function newestSeq(items: readonly TimelineItem[]): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.seq) return items[i]!.seq;
  return 0;
}

/** What a controller does on a session's events, beyond what {@link SessionLink} keeps. */
export type SessionHandlers = { readonly [K in keyof SessionEvents]?: (event: SessionEvents[K]) => void };

/**
 * The one follower of a session both controllers use: it listens to the
 * session's events, keeps what both elements show of the connection (its
 * state, whether it was ever open, agents online and their ids), hands each
 * event to the controller's own handler, then asks the host to render.
 * `unlink()` drops every listener at once.
 */
export class SessionLink {
  /** The connection state, compared with the `ConnState` object. */
  conn: ConnState = ConnState.Idle;
  /** The connection was open at least once: later drops show "reconnecting". */
  wasOpen = false;
  agentsOnline = 0;
  /** Visitors: the next opening while away outside business hours (0 unknown). */
  nextOpenMs = 0;
  /** Visitors: offer the email field after this long without an agent reply, ms; 0: the server sends no email. */
  askEmailAfterMs = 0;
  /** Agents known to the server (from Welcome / Presence when the server names them). */
  agentIds: readonly string[] = [];
  private disposers: Disposer[] = [];

  constructor(private readonly host: ReactiveControllerHost) {}

  /** Follows `session` (and stops following the one before). */
  link(session: Session, handlers: SessionHandlers): void {
    this.unlink();
    this.conn = session.state;
    const on = <K extends keyof SessionEvents>(type: K, keep?: (event: SessionEvents[K]) => void): void => {
      const handler = handlers[type] as ((event: SessionEvents[K]) => void) | undefined;
      this.disposers.push(
        session.on(type, (event) => {
          keep?.(event);
          handler?.(event);
          this.host.requestUpdate();
        }),
      );
    };
    on('state', (event) => {
      this.conn = event.newState;
      if (event.newState === ConnState.Open) this.wasOpen = true;
    });
    const presence = (event: { readonly agentsOnline: number; readonly agentIds?: readonly string[]; readonly nextOpenMs?: number }): void => {
      this.agentsOnline = event.agentsOnline;
      this.nextOpenMs = event.nextOpenMs ?? 0;
      if (event.agentIds) this.agentIds = event.agentIds;
    };
    on('welcome', (event) => {
      presence(event);
      this.askEmailAfterMs = event.askEmailAfterMs ?? 0;
    });
    on('presence', presence);
    on('contact');
    on('agentStatus');
    on('list');
    on('change');
    on('incoming');
    on('error');
  }

  /** Stops following: every listener goes; the state reads idle. */
  unlink(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
    this.conn = ConnState.Idle;
  }
}

/**
 * The base of `<cs-chat>`'s ChatController and `<cs-inbox>`'s
 * InboxController: the {@link SessionLink} each follows its session with,
 * and what both elements read of the connection through it. Each subclass
 * links and unlinks its own session (one visitor session made after the
 * first paint; agent sessions made and dropped by sign-in and sign-out) and
 * calls `host.addController(this)` once its own fields are set.
 */
export abstract class SessionController implements ReactiveController {
  /** Follows the session's events; holds the connection state and presence. */
  protected readonly link: SessionLink;

  constructor(protected readonly host: ReactiveControllerHost) {
    this.link = new SessionLink(host);
  }

  /** The host element is on the page (subclasses link their session here or later). */
  abstract hostConnected(): void;

  /** The host element left the page: subclasses unlink and stop their session. */
  abstract hostDisconnected(): void;

  /** The connection state, compared with the `ConnState` object. */
  get conn(): ConnState {
    return this.link.conn;
  }

  /** The socket was open at least once: later drops show "reconnecting". */
  get wasOpen(): boolean {
    return this.link.wasOpen;
  }

  /** Agents online (from Welcome and Presence). */
  get agentsOnline(): number {
    return this.link.agentsOnline;
  }
}
