/**
 * Away mode and email (issue 14, DESIGN.md §10) on the session: the
 * visitor's time zone in Hello (the offline reply says when the team is back
 * in it), the visitor's email (`Contact`, echoed by the server on success)
 * and an agent's own away toggle (`AgentStatus`). Part of `ChatSession`
 * (session.ts), reached by the elements as `session.continuity`.
 */
import type { cs } from '../../../proto/gen/chat.js';
import type { ContinuityControls, SessionEvents } from '../core/types.js';
import type { Frame } from './codec.js';

export class Continuity implements ContinuityControls {
  constructor(
    private readonly send: (frame: cs.v1.Frame.$Properties) => void,
    private readonly primary: () => string,
    private readonly emit: <K extends 'contact' | 'agentStatus'>(type: K, event: SessionEvents[K]) => void,
  ) {}

  /** The Hello field: the device's IANA zone (visitors). */
  hello(visitor: boolean): Pick<cs.v1.Hello.$Properties, 'timeZone'> {
    return { timeZone: visitor ? Intl.DateTimeFormat().resolvedOptions().timeZone : '' };
  }

  contact(conversationId: string, email: string): void {
    this.send({ contact: { conversationId: conversationId || this.primary(), email } });
  }

  setAway(away: boolean): void {
    this.send({ agentStatus: { away } });
  }

  /** A `contact` echo or an `agentStatus` becomes its session event; false for any other frame. */
  onFrame(frame: Frame): boolean {
    if (frame.body === 'contact') this.emit('contact', frame.contact as cs.v1.Contact);
    else if (frame.body === 'agentStatus') this.emit('agentStatus', frame.agentStatus as cs.v1.AgentStatus);
    else return false;
    return true;
  }
}
