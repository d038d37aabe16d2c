/**
 * How messages with files look, in `<cs-chat>` and `<cs-inbox>`: an image
 * inline (lazy, at a size known before it loads so the list does not jump;
 * a click shows it full size), any other file a card with its name, size and
 * a download link, and an own message's upload progress with a cancel
 * button, or why it was not sent. With their styles and strings (English,
 * Chinese).
 *
 * Part of `<cs-chat>`'s lazy panel chunk (chat-panel.ts) and of the
 * workbench; it renders with the host's Lit (`html`, `nothing`). Expired
 * signed URLs are renewed through the session before they are used.
 */
import type { html as litHtml, nothing as litNothing, TemplateResult } from 'lit';
import { MessageState, type AttachmentView, type Session, type TimelineItem } from '../core/types.js';
import { httpBase } from '../transport/http-base.js';
import type { MessageViewContext } from './message-list.js';

/** The host's Lit. */
export interface LitParts {
  readonly html: typeof litHtml;
  readonly nothing: typeof litNothing;
}

/** The element the views serve. */
export interface ViewsHost {
  /** Its shadow root: the views add their styles, and listen there for pastes and drops with files. */
  readonly root: ShadowRoot | null;
  /** Its server's WebSocket URL (file URLs are relative to the server). */
  readonly server: string;
  /** Its session, once started. */
  session(): Promise<Session | undefined>;
  /** The conversation files go to; default '' (a visitor's own conversation). */
  conversation?(): string;
  /** Renders the host again (a notice changed). */
  update(): void;
  /** A file is being sent (e.g. scroll to the newest message). */
  sent?(): void;
}

/**
 * `accept` of the file input: images first (phones then offer the camera and
 * the photo library), then what the server's allow-list takes.
 */
export const ACCEPT = 'image/*,.heic,.heif,application/pdf,text/plain,text/csv,.csv,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp';

/** The file views, made with the host's Lit. */
export interface FileViews {
  /** The files of a message, its caption, and (own messages) the upload's progress and cancel, or why the file was not sent. */
  body(item: TimelineItem, ctx: MessageViewContext): TemplateResult;
  /** Why a file was not sent, in `lang` ('en' | 'zh'); `maxBytes` is the server's cap. */
  problem(lang: string, code: string, maxBytes: number): string;
  /**
   * The attach button (a real button with a label: keyboard and screen-reader
   * usable) and its hidden file input. Each file picked, pasted or dropped
   * is sent as its own message; one refused before it was queued (over the
   * cap) is named in `notice()`.
   */
  attach(lang: string): TemplateResult;
  /** Why the last file was refused before it was sent, or nothing. */
  notice(): TemplateResult | symbol;
}

/** "640 KB", "2.3 MB": file sizes as people read them. */
export function formatSize(bytes: number): string {
  return bytes < 1048576 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0).replace(/\.0$/, '')} MB`;
}

const STRINGS = {
  en: {
    attach: 'Attach a photo or file',
    cancel: 'Cancel upload',
    remove: 'Remove',
    download: 'Download',
    heic: 'HEIC photo – download to view',
    uploading: 'Uploading',
    too_large: (max: string) => `Too large (max ${max})`,
    proxy_too_large: 'Too large for the server – send a smaller file',
    unsupported: 'This file type is not allowed: send a photo, PDF, text or office file',
    quota: 'Upload limit reached – try again later',
    network: 'Upload failed – check your connection',
  },
  zh: {
    attach: '发送图片或文件',
    cancel: '取消上传',
    remove: '移除',
    download: '下载',
    heic: 'HEIC 照片，下载后查看',
    uploading: '上传中',
    too_large: (max: string) => `文件过大（最大 ${max}）`,
    proxy_too_large: '文件过大，服务器无法接收，请发送更小的文件',
    unsupported: '不支持此文件类型：请发送图片、PDF、文本或办公文档',
    quota: '上传次数已达上限，请稍后再试',
    network: '上传失败，请检查网络连接',
  },
} as const;

function stringsOf(lang: string): (typeof STRINGS)['en'] | (typeof STRINGS)['zh'] {
  return lang === 'zh' ? STRINGS.zh : STRINGS.en;
}

function problem(lang: string, code: string, maxBytes: number): string {
  const s = stringsOf(lang);
  if (code === 'too_large') return s.too_large(formatSize(maxBytes));
  if (code === 'proxy_too_large') return s.proxy_too_large;
  return code === 'unsupported' ? s.unsupported : code === 'quota' ? s.quota : s.network;
}

/** The size an image shows at (fits 240 × 240 px). */
function box(a: AttachmentView): [number, number] | undefined {
  if (!a.width || !a.height) return undefined;
  const scale = Math.min(1, 240 / a.width, 240 / a.height);
  return [Math.round(a.width * scale), Math.round(a.height * scale)];
}

/** A signed URL's expiry (`exp=`, ms since the epoch), or 0 when it has none (a local preview). */
export function expiryOf(url: string): number {
  const match = /[?&]exp=(\d+)/.exec(url);
  return match ? Number(match[1]) : 0;
}

/** A URL this close to its expiry is renewed before it is used, ms (covers some clock skew too). */
const RENEW_BEFORE_MS = 60_000;

/** Images a browser shows (most cannot decode HEIC: it is offered as a download). */
function inline(a: AttachmentView): boolean {
  return /^image\/(jpeg|png|gif|webp)$/.test(a.mime) && /^(https?:|blob:)/.test(a.url);
}

const CSS = `
.att{display:block;margin-block-end:4px;line-height:0}
.att img{max-height:none;height:auto;background:#0000000d}
.bubble a.file{text-decoration:none}
.file b{text-decoration:underline}
.file{display:flex;flex-direction:column;min-width:160px;max-width:240px;margin-block-end:4px;padding:8px 10px 8px 40px;border-radius:10px;background:#0000000f;color:inherit;text-decoration:none;white-space:normal;position:relative}
.file::before{content:'';position:absolute;inset-inline-start:10px;top:50%;width:18px;height:22px;margin-top:-11px;border:2px solid currentColor;border-radius:3px;opacity:.6}
.file b{overflow-wrap:anywhere;font-weight:600}
.file small{opacity:.75}
.upload{display:flex;align-items:center;gap:6px;margin-block-start:6px;font-size:12px}
.upload progress{width:120px;accent-color:var(--_accent)}
.upload.failed{background:#fff;color:#b91c1c;border-radius:8px;padding:4px 8px;white-space:normal}
.attach{flex:none;border:0;background:none;width:36px;height:36px;border-radius:50%;display:grid;place-items:center;color:var(--cs-muted,#6b7280);cursor:pointer}
.attach:hover{background:#0000000d}
.attach svg{width:20px;height:20px}
.upload button{flex:none;white-space:nowrap;border:1px solid currentColor;background:none;color:inherit;border-radius:999px;padding:0 8px;font:inherit;font-weight:600;cursor:pointer}
`;

/** Makes the views with the host's Lit, and adds their styles to the host's shadow root. */
export function fileViews({ html, nothing }: LitParts, host: ViewsHost): FileViews {
  const root = host.root;
  if (root && 'adoptedStyleSheets' in root) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }
  const base = httpBase(host.server);
  let notice = '';
  let lang = 'en';
  let session: Session | undefined;
  const add = (files: File[]): void => {
    notice = '';
    host.update();
    void host.session().then((s) => {
      session = s;
      for (const file of files) {
        host.sent?.();
        s?.files.send(host.conversation?.() ?? '', file, file.name).catch((error: { maxBytes?: number }) => {
          notice = `${file.name}: ${problem(lang, 'too_large', error.maxBytes ?? 0)}`;
          host.update();
        });
      }
    });
  };
  void host.session().then((s) => {
    session = s;
    s?.on('welcome', () => queueMicrotask(askStale));
    askStale();
  });
  // Signed URLs expire (cached history after a reload, a tab left open): the messages holding stale ones are
  // pulled again, one Sync per conversation for the seqs seen in one render. What cannot be asked yet (no
  // session, not connected: a reload shows the cache first) waits for the next Welcome. A file is asked for
  // at most once per RENEW_BEFORE_MS, so links shorter-lived than that cannot make it ask in a loop.
  const askedAt = new Map<string, number>();
  const stale = new Map<string, { from: number; to: number; files: string[] }>();
  const askStale = (): void => {
    for (const [conversationId, range] of stale) {
      if (!session?.files.renew(conversationId, range.from, range.to)) continue;
      for (const id of range.files) askedAt.set(id, Date.now());
      stale.delete(conversationId);
    }
  };
  const renew = (item: TimelineItem, file: AttachmentView): void => {
    if (!item.seq || Date.now() - (askedAt.get(file.id) ?? -RENEW_BEFORE_MS) < RENEW_BEFORE_MS) return;
    if (!stale.size) queueMicrotask(askStale);
    const range = stale.get(item.conversationId) ?? { from: item.seq, to: item.seq, files: [] };
    stale.set(item.conversationId, { from: Math.min(range.from, item.seq), to: Math.max(range.to, item.seq), files: [...range.files, file.id] });
  };
  // Paste and drop anywhere in the host (the composer, the message list) attach the files they carry; plain text pastes as usual.
  const take = (e: Event): void => {
    const data = (e as ClipboardEvent).clipboardData ?? (e as DragEvent).dataTransfer;
    if (e.type === 'dragover') return data?.types.includes('Files') ? e.preventDefault() : undefined;
    const files = data ? [...data.files] : [];
    if (!files.length) return;
    e.preventDefault();
    add(files);
  };
  for (const type of ['paste', 'dragover', 'drop']) root?.addEventListener(type, take);
  const clip = html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M20 11.5l-8.5 8.5a5 5 0 0 1-7-7L13 4.5a3.3 3.3 0 0 1 4.7 4.7L9.2 17.7a1.7 1.7 0 0 1-2.4-2.4L14.5 7.6"/></svg>`;

  const attachment = (item: TimelineItem, file: AttachmentView, ctx: MessageViewContext): TemplateResult => {
    // Server URLs are relative to the server (the widget runs on the merchant's site).
    const a = file.url.startsWith('/') ? { ...file, url: base + file.url } : file;
    const sent = !!a.id;
    const exp = expiryOf(a.url);
    if (exp && exp < Date.now() + RENEW_BEFORE_MS) renew(item, a);
    const s = stringsOf(ctx.strings.lang);
    // A refused file's local copy may not be an image at all (HTML named .png): it shows as a card.
    if (inline(a) && (sent || item.state !== MessageState.Failed)) {
      const size = box(a);
      const open = ctx.onOpenImage;
      return html`<a class="att" href=${sent ? a.url : nothing} target="_blank" rel="noopener" @click=${open && sent ? (e: Event) => (e.preventDefault(), open(a)) : nothing}
        ><img src=${a.url} alt=${a.name} loading="lazy" @error=${exp ? () => renew(item, a) : nothing} width=${size ? size[0] : nothing} height=${size ? size[1] : nothing}
      /></a>`;
    }
    return html`<a class="file" href=${sent ? a.url : nothing} download=${a.name} target="_blank" rel="noopener" aria-label=${`${s.download} ${a.name}`}
      ><b>${a.name}</b><small>${formatSize(a.size)}${/^image\/hei[cf]/.test(a.mime) ? ` · ${s.heic}` : ''}</small></a>`;
  };

  const upload = (item: TimelineItem, ctx: MessageViewContext): TemplateResult | typeof nothing => {
      const s = stringsOf(ctx.strings.lang);
      const button = (label: string) => html`<button type="button" @click=${() => void session?.files.cancel(item.conversationId, item.clientMsgId)}>${label}</button>`;
      if (item.state === MessageState.Failed) {
        return html`<div class="upload failed" role="alert">${problem(ctx.strings.lang, item.error ?? '', session?.files.maxUploadBytes ?? 10485760)} ${button(s.remove)}</div>`;
      }
      if (item.progress === undefined || item.state !== MessageState.Sending) return nothing;
      return html`<div class="upload"><progress max="1" .value=${item.progress} aria-label=${s.uploading}></progress>${button(s.cancel)}</div>`;
    
  };

  return {
    body: (item, ctx) => html`${(item.attachments ?? []).map((a) => attachment(item, a, ctx))}${item.text}${item.own ? upload(item, ctx) : nothing}`,
    problem,
    attach(language) {
      lang = language;
      const label = stringsOf(lang).attach;
      return html`<input type="file" hidden multiple accept=${ACCEPT} @change=${(e: Event) => {
          const input = e.target as HTMLInputElement;
          add([...(input.files ?? [])]);
          input.value = '';
        }} /><button class="icon-btn attach" type="button" aria-label=${label} title=${label} @click=${(e: Event) =>
          ((e.currentTarget as HTMLElement).previousElementSibling as HTMLInputElement).click()}>${clip}</button>`;
    },
    notice: () => (notice ? html`<div class="banner failed" role="alert">${notice}</div>` : nothing),
  };
}
