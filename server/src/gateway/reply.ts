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

  ack(ack: cs.v1.Ack.$Properties): void {
    this.out.send(this.ws, { ack });
  }

  error(code: cs.v1.ErrorCode, message: string, extra?: ErrorExtra): void {
    this.out.sendError(this.ws, code, message, extra);
  }

  together(write: () => void): void {
    if (this.ws.getUserData().session.phase === SessionPhase.Closed) write();
    else this.ws.cork(write);
  }
}
