/** The pipeline's `Reply` port for one uWS socket. */
import type { cs } from '../../../proto/gen/chat.js';
import type { ErrorExtra, Reply } from '../pipeline/ports.js';
import type { Outbound } from './outbound.js';
import { SessionPhase, type Socket } from './session.js';

export class SocketReply implements Reply {
  constructor(
    /** The socket answered (the hub's fan-out skips it). */
    readonly ws: Socket,
    private readonly out: Outbound,
  ) {}

  /** Inside `together`: the Ack goes through the socket's own topic (Outbound.sendQueued). */
  private queued = false;

  ack(ack: cs.v1.Ack.$Properties): void {
    if (this.queued) this.out.sendQueued(this.ws, { ack });
    else this.out.send(this.ws, { ack });
  }

  error(code: cs.v1.ErrorCode, message: string, extra?: ErrorExtra): void {
    this.out.sendError(this.ws, code, message, extra);
  }

  /**
   * What `write` sends leaves batched by uWS at the end of the loop
   * iteration: the Ack through the caller's own topic, the fan-out through
   * the conversation's topics, in the order sent. A cork here instead wrote
   * the socket once per message when the write ran outside a uWS handler
   * (after a commit), one syscall per Ack.
   */
  together(write: () => void): void {
    if (this.ws.getUserData().session.phase === SessionPhase.Closed) return write();
    this.queued = true;
    try {
      write();
    } finally {
      this.queued = false;
    }
  }
}
