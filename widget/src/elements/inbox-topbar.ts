/**
 * The workbench's top bar: the brand, the connection state, who is online,
 * the away toggle, notifications and sound, the links to the admin pages,
 * who is signed in and sign-out. A view of {@link InboxController}'s state;
 * `<cs-inbox>` renders it across the top.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { ConnState } from '../core/types.js';
import { adminLinks, meBadge } from './inbox-actions.js';
import type { InboxController } from './inbox-controller.js';
import { icons } from './message-list.js';
import { emailSectionStrings } from './settings-email-i18n.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** What the connection state reads as in the bar. */
function connLabel(inbox: InboxController, t: WorkbenchStrings): string {
  if (inbox.connected) return t.connected;
  if (inbox.conn === ConnState.Offline) return t.offlineConn;
  return inbox.conn === ConnState.Failed ? t.disconnected : t.reconnecting;
}

/**
 * The top bar.
 * @param rerender renders the workbench again after a change the controller
 *   does not announce (the sound and notification settings).
 */
export function inboxTopbar(inbox: InboxController, t: WorkbenchStrings, rerender: () => void): TemplateResult {
  const alerts = inbox.alerts;
  const away = emailSectionStrings(t.lang);
  const toggleSound = (): void => {
    alerts.setSound(!alerts.soundOn);
    rerender();
  };
  const enableNotifications = async (): Promise<void> => {
    await alerts.requestNotifications();
    rerender();
  };
  return html`<header class="topbar" part="topbar">
    <div class="brand">${icons.chat}<span>${t.brand}</span></div>
    <span class=${inbox.connected ? 'conn ok' : 'conn'} role="status"><i aria-hidden="true"></i>${connLabel(inbox, t)}</span>
    <span class="spacer"></span>
    ${inbox.connected ? html`<span class="muted">${t.agentsOnline(inbox.agentsOnline)}</span>` : nothing}
    ${inbox.connected
      ? html`<button type="button" class=${inbox.away ? 'ghost away-on' : 'ghost'} aria-pressed=${inbox.away ? 'true' : 'false'} title=${away.awayTitle} @click=${() => inbox.setAway(!inbox.away)}>${inbox.away ? away.away : away.available}</button>`
      : nothing}
    ${alerts.notificationPermission === 'default'
      ? html`<button type="button" class="ghost" @click=${enableNotifications}>${t.enableNotifications}</button>`
      : nothing}
    ${adminLinks(inbox.account, t)}
    <button type="button" class="ghost" title=${t.soundTitle} @click=${toggleSound}>${t.sound(alerts.soundOn)}</button>
    ${meBadge(inbox.account, inbox.agentId, inbox.agentName)}
    <button type="button" class="ghost" @click=${() => void inbox.signOut()}>${t.signOut}</button>
  </header>`;
}
