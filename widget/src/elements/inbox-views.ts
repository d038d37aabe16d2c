/**
 * Stateless templates of the workbench: the conversation list entries and
 * the visitor details panel. Plain functions of data, so `<cs-inbox>` stays a
 * readable layout.
 */
import { emailSectionStrings } from './settings-email-i18n.js';
import { html, nothing, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { ConversationInfo, TimelineItem } from '../core/types.js';
import { httpBase } from '../transport/http-base.js';
import { formatSize } from './file-views.js';
import { initials } from './initials.js';
import { shortAge, statusLabel, visitorLabel } from './inbox-model.js';
import { RoleCode } from './message-list.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

export { initials } from './initials.js';

/** A soft, stable avatar colour from an id. */
export function avatarHue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** The visitor's initials on a colour of their own, with the online/offline dot. */
export function avatar(info: ConversationInfo, word?: string): TemplateResult {
  const label = visitorLabel(info, word);
  return html`<span class="avatar" style=${styleMap({ '--hue': String(avatarHue(info.visitorId)) })} aria-hidden="true">
    ${initials(label)}<i class=${info.visitorOnline ? 'dot on' : 'dot'}></i>
  </span>`;
}

/**
 * A list entry's preview line: the newest message a person wrote, saying who
 * when it was not the visitor ("You: …" for the reader's own reply, "Your
 * note: …", "bob: …" for another agent).
 */
export function previewLine(info: ConversationInfo, agentId: string, t?: WorkbenchStrings): string {
  if (!info.preview) return info.topic ? (t?.topicPreview(info.topic) ?? `Topic: ${info.topic}`) : (t?.noMessagesYet ?? 'No messages yet');
  const own = !!info.previewSenderId && info.previewSenderId === agentId;
  if (info.previewNote) return `${own ? (t?.yourNote ?? 'Your note') : (t?.noteBy(info.previewSenderId || t.anAgent) ?? `Note by ${info.previewSenderId || 'an agent'}`)}: ${info.preview}`;
  if (own) return `${t?.youPrefix ?? 'You'}: ${info.preview}`;
  if (info.previewSenderRole === RoleCode.Agent) return `${info.previewSenderId}: ${info.preview}`;
  return info.preview;
}

/**
 * One entry of the conversation list (an option of the listbox). Its
 * accessible name is its visible text (WCAG 2.5.3, label in name), with the
 * visitor's online state and "unread" added for screen readers.
 */
export function conversationOption(
  info: ConversationInfo,
  opts: {
    agentId: string;
    selected: boolean;
    focusable: boolean;
    nowMs: number;
    onPick: () => void;
    t: WorkbenchStrings;
    agentName: (id: string) => string;
    showSite?: boolean;
    /** A search hit: the matching message's excerpt, shown instead of the preview. */
    excerpt?: TemplateResult;
  },
): TemplateResult {
  const status = statusLabel(info.status);
  const t = opts.t;
  return html`<li
    role="option"
    id=${`conv-${info.id}`}
    class=${opts.selected ? 'conv selected' : 'conv'}
    aria-selected=${String(opts.selected)}
    tabindex=${opts.focusable ? '0' : '-1'}
    data-id=${info.id}
    @click=${opts.onPick}
  >
    ${avatar(info, t.visitor)}
    <span class="conv-main">
      <span class="conv-top">
        <b class="conv-name">${visitorLabel(info, t.visitor)}<span class="sr-only">, ${info.visitorOnline ? t.onlineLower : t.offlineLower},</span></b>
        <time class="age" datetime=${new Date(info.lastActivityMs || info.createdMs || 0).toISOString()}
          >${shortAge(info.lastActivityMs, opts.nowMs, t.lang)}</time
        >
      </span>
      <span class="conv-bottom">
        ${opts.excerpt ? html`<span class="preview excerpt">${opts.excerpt}</span>` : html`<span class="preview">${previewLine(info, opts.agentId, t)}</span>`}
        ${info.unread ? html`<span class="unread">${info.unread > 99 ? '99+' : info.unread}<span class="sr-only">${t.unreadSr}</span></span>` : nothing}
      </span>
      <span class="conv-meta">
        <span class=${`status ${status}`}>${t.statusName(status)}</span>
        <span class="assignee">${info.assigneeId ? (info.assigneeId === opts.agentId ? t.me : opts.agentName(info.assigneeId)) : t.unassigned}</span>
        ${opts.showSite && info.site ? html`<span class="site">${info.site}</span>` : nothing}
        ${info.topic ? html`<span class="topic">#${info.topic}</span>` : nothing}
      </span>
    </span>
  </li>`;
}

/** The visitor details panel. Empty values are left out, not shown as blanks. */
export function detailsPanel(info: ConversationInfo, t: WorkbenchStrings): TemplateResult {
  const rows: [string, string | TemplateResult][] = [];
  if (info.visitorUserId) rows.push([t.userId, html`${info.visitorUserId} <span class="verified" title=${t.verifiedTitle}>${t.verified}</span>`]);
  if (info.visitorName) rows.push([t.name, info.visitorName]);
  if (info.visitorEmail) rows.push([t.email, html`<a href=${`mailto:${info.visitorEmail}`}>${info.visitorEmail}</a>`]);
  rows.push([t.visitorId, info.visitorId]);
  rows.push([t.site, info.site || '—']);
  if (info.topic) rows.push([t.topic, info.topic]);
  // The email the visitor left in the widget (or the site's), and whether unseen replies go there (issue 14).
  const e = emailSectionStrings(t.lang);
  if (info.contactEmail && info.contactEmail !== info.visitorEmail) rows.push([e.replyEmail, html`<a href=${`mailto:${info.contactEmail}`}>${info.contactEmail}</a>`]);
  if (info.contactEmail) rows.push([e.emailReplies, info.willEmail ? html`<span class="will-email">${e.willEmail}</span> ${e.willEmailDetail(info.contactEmail)}` : e.notEmailed]);
  if (info.visitorPageUrl) {
    rows.push([
      t.currentPage,
      html`<a href=${safeHref(info.visitorPageUrl)} target="_blank" rel="noopener noreferrer nofollow ugc" referrerpolicy="no-referrer">${info.visitorPageTitle || info.visitorPageUrl}</a>`,
    ]);
  }
  rows.push([t.platform, [info.platform, info.appVersion].filter(Boolean).join(' ') || '—']);
  if (info.createdMs) rows.push([t.started, new Date(info.createdMs).toLocaleString(t.lang)]);
  return html`
    <div class="who-card">
      ${avatar(info, t.visitor)}
      <div>
        <h2 class="vname">${visitorLabel(info, t.visitor)}</h2>
        <span class="presence">${info.visitorOnline ? t.onlineNow : t.offline}</span>
      </div>
    </div>
    <dl>
      ${rows.map(([k, v]) => html`<div class="field"><dt>${k}</dt><dd>${v}</dd></div>`)}
    </dl>
  `;
}

/** The conversation's files (of the loaded history), newest first: name, size, who sent it, a download link. */
export function filesPanel(items: readonly TimelineItem[], server: string, t: WorkbenchStrings): TemplateResult {
  const base = httpBase(server);
  const files = items.flatMap((item) => (item.seq && item.attachments ? item.attachments.map((a) => ({ a, item })) : [])).reverse();
  return html`<section class="files" aria-label=${t.filesRegion}>
    <h3>${t.filesTitle}</h3>
    ${files.length
      ? html`<ul>
          ${files.map(
            ({ a, item }) => html`<li>
              <a href=${a.url.startsWith('/') ? base + a.url : a.url} target="_blank" rel="noopener" download=${a.name}>${a.name}</a>
              <span class="muted">${formatSize(a.size)} · ${item.own ? t.fileByYou : item.senderName || t.visitor}</span>
            </li>`,
          )}
        </ul>`
      : html`<p class="none">${t.noFiles}</p>`}
  </section>`;
}

/** Only http(s) links become clickable: a visitor-reported URL must not run script. */
export function safeHref(url: string): string {
  return /^https?:\/\//i.test(url) ? url : '#';
}
