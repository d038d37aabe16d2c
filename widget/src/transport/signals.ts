/**
 * The small signals beside the messages: `Received` and `Read` batched over
 * a window (cumulative, never one per message, DESIGN.md §3.7), `Typing`
 * throttled with an idle stop, and the other side's typing indicator with
 * its expiry.
 */
import type { cs } from '../../../proto/gen/chat.js';
import type { Disposer } from '../core/types.js';
import type { FrameInit } from './codec.js';
import type { Conversations } from './conversations.js';
import type { Timers } from './timers.js';

/** `Received` and `Read` are batched over this window, ms. */
const BATCH_MS = 250;
/** At most one Typing(true) per this, ms. */
const TYPING_THROTTLE_MS = 3000;
/** Typing goes off by itself after this long without input, ms. */
const TYPING_IDLE_MS = 5000;
/** The other side's typing indicator expires after this, ms. */
const TYPING_SHOWN_MS = 6000;

/** What the signals need from the session. */
export interface SignalsDeps {
  readonly timers: Timers;
  readonly convs: Conversations;
  now(): number;
  /** Sends a frame; false when the connection is not open. */
  send(frame: FrameInit): boolean;
  /** The signed-in user's id (own typing is not shown). */
  userId(): string;
  changed(id: string): void;
}

/** Read, received and typing for every conversation of one session. */
export class Signals {
  private receivedTimer: Disposer | undefined;
  private readTimer: Disposer | undefined;

  constructor(private readonly deps: SignalsDeps) {}

  /** Forgets the pending batches (their timers are cleared with the session's timers). */
  stop(): void {
    this.receivedTimer = this.readTimer = undefined;
  }

  /** Sends `Received up_to_seq` for every conversation whose cursor moved, once per batch window. */
  scheduleReceived(): void {
    this.receivedTimer ??= this.deps.timers.later(BATCH_MS, () => {
      this.receivedTimer = undefined;
      for (const [id, conv] of this.deps.convs.entries()) {
        const cursor = conv.timeline.cursor;
        if (id && cursor > conv.receivedSent && this.deps.send({ received: { conversationId: id, upToSeq: cursor } })) conv.receivedSent = cursor;
      }
    });
  }

  /** Shown up to `upToSeq`: sent as `Read` with the next batch. */
  markRead(id: string, upToSeq: number): void {
    const conv = this.deps.convs.ensure(id);
    if (upToSeq <= conv.readUpTo) return;
    conv.readUpTo = upToSeq;
    this.readTimer ??= this.deps.timers.later(BATCH_MS, () => {
      this.readTimer = undefined;
      for (const [cid, c] of this.deps.convs.entries()) {
        if (c.readUpTo > c.readSent && this.deps.send({ read: { conversationId: cid, upToSeq: c.readUpTo } })) c.readSent = c.readUpTo;
      }
    });
  }

  /** Own typing on/off: Typing(true) at most once per throttle window, off by itself when input stops. */
  setTyping(id: string, typing: boolean): void {
    const conv = this.deps.convs.ensure(id);
    conv.stopTyping?.();
    conv.stopTyping = undefined;
    const now = this.deps.now();
    if (typing) {
      if (!conv.typingOn || now - conv.typingSentMs >= TYPING_THROTTLE_MS) {
        conv.typingOn = this.deps.send({ typing: { conversationId: id, typing: true } });
        conv.typingSentMs = now;
      }
      conv.stopTyping = this.deps.timers.later(TYPING_IDLE_MS, () => this.setTyping(id, false));
    } else if (conv.typingOn) {
      conv.typingOn = false;
      this.deps.send({ typing: { conversationId: id, typing: false } });
    }
  }

  /** The other side typing: shown until it stops or the indicator expires. */
  onTyping(typing: cs.v1.Typing): void {
    if (typing.senderId === this.deps.userId()) return;
    const conv = this.deps.convs.ensure(typing.conversationId);
    if (typing.typing) {
      conv.typing.set(typing.senderId, { name: typing.senderName, role: typing.senderRole, untilMs: this.deps.now() + TYPING_SHOWN_MS });
      this.deps.timers.later(TYPING_SHOWN_MS + 10, () => this.deps.changed(typing.conversationId));
    } else {
      conv.typing.delete(typing.senderId);
    }
    this.deps.changed(typing.conversationId);
  }
}
