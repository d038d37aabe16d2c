/**
 * Files through the outbox (DESIGN.md §3.2, §11), part of the upload code
 * loaded on first use (the `uploads` chunk). A message with a file is sent in
 * two steps, both driven by the outbox (outbox-flusher.ts): its file is
 * uploaded (POST /api/uploads, idempotent by the message's client id), then
 * the Send naming the upload goes out and waits for its Ack like any
 * message. The bytes wait in IndexedDB with the message until that Ack.
 *
 * Only the tab holding the entry's outbox lease uploads; the lease is
 * renewed while the upload runs, so another tab (or this one after a
 * reload) takes over only when this tab is gone, and a retried or
 * taken-over upload never stores the file twice (the server answers the
 * same key with the same upload). A network failure is retried by the
 * outbox's timer once the connection is back.
 */
import { newMessageId } from '../core/ids.js';
import { OutboxState, type OutboxEntry, type OutgoingAttachment, type OutgoingMessage } from '../core/outbox.js';
import { FileRefusedError, UploadProblem, type Disposer, type TimelineItem, type UploadRequest, type UploadOutcome, type PreparedFile } from '../core/types.js';
const ignore = (): void => undefined;
import { httpBase } from './http-base.js';
import type { FileHost } from './outbox-flusher.js';

/** cs.v1.MessageKind IMAGE and FILE (the server decides from the sniffed type anyway). */
const IMAGE = 1;
const FILE = 40;

/** How often a running upload renews its lease, ms. */
export const RENEW_MS = 4000;
/** The lease a renewal takes, ms: another tab takes over only once this one is gone. */
const UPLOAD_LEASE_MS = 12_000;

/** The file side of one outbox (what the flusher calls once the upload code is loaded). */
export interface FileOutbox {
  /** Prepares (scales) a file and queues it as its own message. @throws FileRefusedError over the server's cap. */
  send(conversationId: string, file: Blob, name: string): Promise<TimelineItem>;
  /**
   * Uploads the entry's file unless this tab already is; `claimed` is its
   * IndexedDB row as this tab's lease took it (another tab that went away may
   * have uploaded the file already: then only the Send is left to do).
   */
  start(entry: OutboxEntry, claimed?: OutgoingMessage): void;
  /** Shows the pending files among these entries from their bytes (after a reload, or another tab's). */
  restore(entries: readonly OutgoingMessage[]): void;
  /** Takes back an own message not on the wire yet: its upload stops, and it leaves the outbox, IndexedDB and every tab. */
  cancel(conversationId: string, clientMsgId: string): Promise<void>;
  /** The local preview URL of a pending file, or ''. */
  previewOf(clientMsgId: string): string;
  /** Stops the entry's upload and forgets its preview (acked or cancelled elsewhere). */
  forget(clientMsgId: string): void;
  /** Stops every upload; the entries stay in the outbox. */
  stop(): void;
}

/** Makes the file side of `host`'s outbox; `prepare` and `upload` do the browser work. */
export function fileOutbox(
  host: FileHost,
  prepare: (file: Blob, name: string) => Promise<PreparedFile>,
  upload: (request: UploadRequest) => Promise<UploadOutcome>,
): FileOutbox {
  const { deps, outbox } = host;
  const running = new Map<string, AbortController>();
  const previews = new Map<string, string>();

  const preview = (id: string, blob: Blob): void => {
    if (!previews.has(id)) previews.set(id, URL.createObjectURL(blob));
  };

  /** Re-renders a pending message from its entry (progress, its file's new URL, failure). */
  const show = (id: string, progress?: number): void => {
    const entry = outbox.get(id);
    if (!entry) return;
    const timeline = deps.convs.ensure(entry.conversationId).timeline;
    timeline.removePending(id);
    const item = host.item(entry);
    const a = entry.attachment;
    if (a && a.blob) preview(id, a.blob);
    const view = a && { id: a.id ?? '', name: a.name, mime: a.mime, size: a.size, width: a.width, height: a.height, url: a.url || previews.get(id) || '' };
    timeline.addPending(view ? { ...item, attachments: [view], progress } : item);
    deps.changed(entry.conversationId);
  };

  /** The file is on the server: the entry, now naming it, is due at once. */
  const uploaded = (id: string, attachment: OutgoingAttachment): OutboxEntry | undefined => {
    const entry = outbox.get(id);
    if (!entry) return undefined;
    outbox.remove(id);
    return outbox.add({ ...entry, attachment });
  };

  const forget = (id: string): void => {
    running.get(id)?.abort();
    running.delete(id);
    const url = previews.get(id);
    if (url) URL.revokeObjectURL(url);
    previews.delete(id);
  };

  const run = async (entry: OutboxEntry, abort: AbortController): Promise<void> => {
    const id = entry.clientMsgId;
    const store = deps.store();
    const blob = entry.attachment?.blob;
    if (!entry.attachment || !store || !blob) return host.rejected(id, 0, UploadProblem.Network);
    let renewal: Disposer | undefined;
    const renew = (): void => {
      renewal = deps.timers.later(RENEW_MS, () => {
        void store.claimOutbox([id], deps.tabId, deps.env.now(), UPLOAD_LEASE_MS).catch(ignore);
        renew();
      });
    };
    renew();
    try {
      const target = host.uploadTarget();
      const outcome = await upload({
        base: httpBase(target.server),
        token: target.token,
        conversationId: entry.conversationId || deps.primary(),
        clientMsgId: id,
        blob,
        name: entry.attachment.name,
        onProgress: (fraction) => show(id, fraction),
        signal: abort.signal,
      });
      if (abort.signal.aborted) return;
      if (!outcome.ok) {
        show(id);
        return host.rejected(id, outcome.retryAfterMs, outcome.problem);
      }
      const a = outcome.attachment;
      // The server has the bytes now: the row keeps only what the Send needs.
      const done = uploaded(id, { id: a.id, url: a.url, name: a.name, mime: a.mime, size: a.size, width: a.width, height: a.height });
      if (!done) return;
      host.save(done);
      show(id);
      host.arm();
    } finally {
      renewal?.();
      if (running.get(id) === abort) running.delete(id);
    }
  };

  return {
    async send(conversationId, file, name) {
      const store = deps.store();
      if (!store) throw new Error('cs-chat: call start() first');
      const prepared = await prepare(file, name);
      const max = host.maxUploadBytes;
      if (prepared.blob.size > max) throw new FileRefusedError(UploadProblem.TooLarge, max);
      const { blob, width, height, mime } = prepared;
      const message: OutgoingMessage = {
        clientMsgId: newMessageId(deps.env.now()),
        conversationId: conversationId || deps.primary(),
        kind: mime.startsWith('image/') ? IMAGE : FILE,
        text: '',
        quoteSeq: 0,
        createdMs: deps.env.now(),
        attachment: { blob, name: prepared.name, mime, size: blob.size, width, height },
      };
      const item = await host.queue(message, store);
      show(message.clientMsgId);
      return item;
    },
    start(entry, claimed) {
      if (claimed?.attachment?.id) {
        uploaded(entry.clientMsgId, claimed.attachment);
        return host.arm();
      }
      if (running.has(entry.clientMsgId)) return;
      const abort = new AbortController();
      running.set(entry.clientMsgId, abort);
      void run(entry, abort).catch(() => host.rejected(entry.clientMsgId, 3000, UploadProblem.Network));
    },
    restore(entries) {
      for (const entry of entries) if (entry.attachment) show(entry.clientMsgId);
    },
    async cancel(conversationId, id) {
      const entry = outbox.get(id);
      if (entry?.state === OutboxState.Sending) return; // on the wire: the Ack decides
      outbox.remove(id);
      forget(id);
      const conv = entry?.conversationId || conversationId;
      deps.convs.ensure(conv).timeline.removePending(id);
      deps.changed(conv);
      await deps.store()?.deleteOutbox(id);
      // Announced as acked with seq 0: the other tabs drop it without placing it.
      host.post({ t: 'acked', clientMsgId: id, conversationId: conv, seq: 0, timeMs: 0 });
      host.arm();
    },
    previewOf: (id) => previews.get(id) ?? '',
    forget,
    stop() {
      for (const abort of running.values()) abort.abort();
      running.clear();
    },
  };
}
