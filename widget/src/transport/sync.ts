/**
 * Sync and catch-up (DESIGN.md §3.7): the newest page for a conversation held
 * empty, everything after the cursor for one held in part, older pages on
 * demand, and a gap pulled as soon as it shows. One catch-up per
 * conversation is on the wire at a time; SyncResults answer in order.
 */
import type { cs } from '../../../proto/gen/chat.js';
import type { TimelineItem } from '../core/types.js';
import type { FrameInit } from './codec.js';
import type { Conversations, SyncKind } from './conversations.js';
import { toItem } from './mapping.js';

/** Messages per page for the first screen. */
export const PAGE_SIZE = 50;
/**
 * Messages per `loadOlder` page: the server's most (maxSyncLimit), so a
 * reader going back through a long history waits on a quarter as many round
 * trips; only the visible window of them is rendered.
 */
const OLDER_PAGE_SIZE = 200;
/** Messages per forward Sync (catching up by cursor). */
const CATCH_UP_LIMIT = 200;
/** Before-seq meaning "the newest page". */
const NEWEST = 0xffffffff;

/** What sync needs from the session. */
export interface SyncDeps {
  readonly convs: Conversations;
  /** Agents pull the newest page of any conversation they open; visitors only of one with messages. */
  readonly agent: boolean;
  send(frame: FrameInit): boolean;
  userId(): string;
  /** Adds server messages to a conversation (dedup, cache, outbox twins). */
  insert(id: string, items: readonly TimelineItem[]): readonly TimelineItem[];
  changed(id: string): void;
}

/** The session's Sync requests and their answers. */
export class Sync {
  constructor(private readonly deps: SyncDeps) {}

  /** Pulls what this client misses: the newest page when it holds nothing, else everything after its cursor. */
  catchUp(id: string): void {
    const conv = this.deps.convs.ensure(id);
    const timeline = conv.timeline;
    const lastSeq = conv.info?.lastSeq ?? 0;
    if (timeline.lastSeq === 0) {
      if (lastSeq > 0 || this.deps.agent) this.request(id, 'newest', { beforeSeq: NEWEST, limit: PAGE_SIZE });
    } else if (timeline.cursor < Math.max(lastSeq, timeline.lastSeq)) {
      this.forward(id);
    }
  }

  /** Pulls the gap when the timeline holds a seq above its contiguous cursor. */
  pullGap(id: string): void {
    if (this.deps.convs.ensure(id).timeline.hasGap) this.forward(id);
  }

  /** Fetches the page before the first held seq; resolves when it is in (at once if there is none). */
  loadOlder(id: string): Promise<void> {
    const conv = this.deps.convs.ensure(id);
    const first = conv.timeline.firstSeq;
    if (!conv.hasOlder || first <= 1) return Promise.resolve();
    return new Promise((resolve) => {
      if (!this.request(id, 'older', { beforeSeq: first, limit: OLDER_PAGE_SIZE }, resolve)) resolve();
    });
  }

  /** Pulls the held messages `fromSeq`..`toSeq` again: their files come with freshly signed URLs, which the timeline swaps in. False when it could not be sent. */
  renew(id: string, fromSeq: number, toSeq: number): boolean {
    return this.request(id, 'renew', { afterSeq: fromSeq - 1, limit: Math.min(CATCH_UP_LIMIT, toSeq - fromSeq + 1) });
  }

  /** A new socket: whatever was asked on the old one will not be answered. */
  forgetPending(): void {
    for (const conv of this.deps.convs.values()) conv.syncs = [];
  }

  /** A SyncResult: the page into the timeline, the epoch checked, and the next page pulled while more is missing. */
  onResult(result: cs.v1.SyncResult): void {
    const { convs } = this.deps;
    const id = result.conversationId;
    const conv = convs.ensure(id);
    const request = conv.syncs.shift() ?? { kind: 'forward' };
    if (result.conversation) convs.setInfo(result.conversation);
    if (convs.adoptEpoch(id, result.epoch)) {
      request.done?.();
      return this.catchUp(id);
    }
    const userId = this.deps.userId();
    const items = result.messages.map((m) => toItem(m, userId));
    if (request.kind === 'newest' && items[0]) {
      conv.timeline.setFloor(items[0].seq - 1);
      conv.hasOlder = result.hasMore || items[0].seq > 1;
    }
    if (request.kind === 'older') conv.hasOlder = result.hasMore && items.length > 0;
    this.deps.insert(id, items);
    conv.view = undefined;
    this.deps.changed(id);
    request.done?.();
    if ((request.kind === 'forward' && result.hasMore && items.length) || conv.timeline.hasGap) this.forward(id);
  }

  private forward(id: string): void {
    this.request(id, 'forward', { afterSeq: this.deps.convs.ensure(id).timeline.cursor, limit: CATCH_UP_LIMIT });
  }

  private request(id: string, kind: SyncKind, sync: cs.v1.Sync.$Properties, done?: () => void): boolean {
    const conv = this.deps.convs.ensure(id);
    const catchUp = (k: SyncKind): boolean => k === 'newest' || k === 'forward';
    if (catchUp(kind) && conv.syncs.some((s) => catchUp(s.kind))) return false; // one catch-up at a time
    if (!this.deps.send({ sync: { ...sync, conversationId: id } })) return false;
    conv.syncs.push({ kind, done });
    return true;
  }
}
