/**
 * The workbench's open conversation: its header (visitor, status, assignee,
 * the action bar), the message log (the keyed rows go into `.rows`, see
 * `<cs-inbox>`'s `update`), the attach row and the composer; how one row
 * reads (private notes, the visitor's name); and the image lightbox. Views
 * only: `<cs-inbox>` passes in the state and the callbacks.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { AttachmentView, ConversationInfo, TimelineItem } from '../core/types.js';
import { formatSize, type FileViews } from './file-views.js';
import type { Strings } from './i18n.js';
import type { CannedReply } from './inbox-canned.js';
import './inbox-composer.js';
import type { ComposeDetail } from './inbox-composer.js';
import type { InboxController } from './inbox-controller.js';
import { statusLabel } from './inbox-model.js';
import { linkify } from './linkify.js';
import { Kind, renderMessage, renderTyping, RoleCode, type MessageViewContext } from './message-list.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** What the open conversation shows and calls. */
export interface ThreadView {
  readonly inbox: InboxController;
  /** The open conversation's list entry, when known. */
  readonly info: ConversationInfo | undefined;
  /** The visitor's name as the list and header show it. */
  readonly name: string;
  readonly t: WorkbenchStrings;
  /** The shared message views' strings, in the same language. */
  readonly strings: Strings;
  /** Older messages are being loaded (the window's top). */
  readonly loadingOlder: boolean;
  readonly files: FileViews | undefined;
  readonly canned: readonly CannedReply[];
  /** The message the reply quotes, if any. */
  readonly quote: TimelineItem | undefined;
  /** The action bar (inbox-actions.ts). */
  readonly actions: TemplateResult | typeof nothing;
  /** An agent's name by id. */
  agentName(id: string): string;
  compose(e: CustomEvent<ComposeDetail>): void;
  cancelQuote(): void;
}

/** The thread column while no conversation is open. */
export function emptyThread(t: WorkbenchStrings): TemplateResult {
  return html`<main class="thread empty" part="thread"><p>${t.pickConversation}</p></main>`;
}

/** The thread column of the open conversation. */
export function threadPane(v: ThreadView): TemplateResult {
  const { inbox, info, t } = v;
  return html`<main class="thread" part="thread" aria-label=${t.conversationWith(v.name)}>
    <div class="thread-head">
      <div>
        <h2>${v.name}</h2>
        ${info
          ? html`<span class=${`status ${statusLabel(info.status)}`}>${t.statusName(statusLabel(info.status))}</span>
              <span class="muted">${info.assigneeId ? t.assignedTo(info.assigneeId === inbox.agentId ? t.assignedYou : v.agentName(info.assigneeId)) : t.unassigned}</span>`
          : nothing}
      </div>
      ${v.actions}
    </div>
    <div class="log" role="log" aria-label=${t.messagesLog} aria-live="polite">
      <div class="sentinel top"></div>
      ${v.loadingOlder ? html`<div class="older" role="status">${v.strings.loadingOlder}</div>` : nothing}
      <div class="rows"></div>
      ${renderTyping(inbox.view.typing, v.strings)}
      <div class="sentinel bottom"></div>
    </div>
    <div class="attach-row">
      ${v.files?.attach(t.lang)}
      <span class="muted">${t.attachHint}</span>
      ${v.files?.notice()}
    </div>
    <cs-inbox-composer
      .canned=${v.canned}
      .t=${t}
      .quote=${v.quote}
      ?disabled=${!inbox.selectedId}
      @cs-compose=${v.compose}
      @cs-typing=${(e: CustomEvent<boolean>) => inbox.setTyping(e.detail)}
      @cs-cancel-quote=${v.cancelQuote}
    ></cs-inbox-composer>
  </main>`;
}

/**
 * One row of the log: a private note, or a message. The visitor's messages
 * carry the name they had when sent (often just "Visitor"): they show
 * `visitorName`, the label the list and header use, so one person has one
 * name on screen.
 */
export function threadRow(item: TimelineItem, ctx: MessageViewContext, t: WorkbenchStrings, visitorName: string): TemplateResult {
  if (item.kind === Kind.Note) {
    return html`<div class="note-msg" data-key=${item.key} role="note" aria-label=${t.noteBy(item.own ? t.assignedYou : item.senderName || t.anAgent)}>
      <div class="note-head"><b>${item.own ? t.youCap : item.senderName || t.agentWord}</b> · ${t.noteHead}</div>
      <div class="note-text">${linkify(item.text)}</div>
    </div>`;
  }
  const named = item.senderRole === RoleCode.Visitor && visitorName && item.senderName !== visitorName ? { ...item, senderName: visitorName } : item;
  return renderMessage(named, ctx);
}

/** The image full size over the workbench; Escape, a click or the button closes it. */
export function lightbox(a: AttachmentView, close: () => void): TemplateResult {
  return html`<div class="lightbox" role="dialog" aria-modal="true" aria-label=${a.name} tabindex="-1"
    @click=${close} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && close()}>
    <img src=${a.url} alt=${a.name} />
    <div class="lightbox-bar" @click=${(e: Event) => e.stopPropagation()}>
      <span>${a.name} · ${formatSize(a.size)}</span>
      <a href=${a.url} download=${a.name} target="_blank" rel="noopener">Download</a>
      <button type="button" @click=${close} autofocus>Close</button>
    </div>
  </div>`;
}
