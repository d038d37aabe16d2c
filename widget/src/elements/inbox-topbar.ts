/**
 * The workbench's top bar: the brand, the connection state, who is online,
 * the away toggle, notifications and sound, the links to the admin pages,
 * who is signed in and sign-out. A view of {@link InboxController}'s state;
 * `<cs-inbox>` renders it across the top.
 *
 * On narrow screens (tablets and phones, ≤ 1100 px) the bar keeps one row —
 * brand, connection, the away toggle — and everything else moves into an
 * overflow menu behind a "Menu" button (a disclosure: Escape or a click
 * outside closes it), as Intercom's and Chatwoot's mobile inboxes do,
 * instead of wrapping into three rows. On wide screens the same items sit
 * in the bar (the menu box is `display: contents`), so there is one list of
 * them, not two.
 */
import { html, nothing, svg, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { ConnState } from '../core/types.js';
import { adminLinks, meBadge } from './inbox-actions.js';
import type { InboxController } from './inbox-controller.js';
import { icons } from './message-list.js';
import { emailSectionStrings } from './settings-email-i18n.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

const menuIcon = html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true">${svg`<path d="M4 7h16M4 12h16M4 17h16"/>`}</svg>`;

/** The overflow menu's open state; closes on Escape and on a click outside the bar. */
export class TopbarMenu implements ReactiveController {
  /** The menu is showing (narrow screens only; wide ones show its items inline). */
  open = false;
  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape' || !this.open) return;
    this.set(false);
    (this.host.renderRoot.querySelector<HTMLElement>('.menu-button') ?? undefined)?.focus();
  };
  private readonly onPointer = (e: PointerEvent): void => {
    if (this.open && !e.composedPath().some((n) => n instanceof HTMLElement && n.classList.contains('topbar'))) this.set(false);
  };

  constructor(private readonly host: ReactiveControllerHost & HTMLElement & { readonly renderRoot: ParentNode }) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.ownerDocument.addEventListener('keydown', this.onKey);
    this.host.ownerDocument.addEventListener('pointerdown', this.onPointer);
  }

  hostDisconnected(): void {
    this.host.ownerDocument.removeEventListener('keydown', this.onKey);
    this.host.ownerDocument.removeEventListener('pointerdown', this.onPointer);
  }

  set(open: boolean): void {
    this.open = open;
    this.host.requestUpdate();
  }
}

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
export function inboxTopbar(inbox: InboxController, t: WorkbenchStrings, menu: TopbarMenu, rerender: () => void): TemplateResult {
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
    ${inbox.connected
      ? html`<button type="button" class=${inbox.away ? 'ghost away-on' : 'ghost'} aria-pressed=${inbox.away ? 'true' : 'false'} title=${away.awayTitle} @click=${() => inbox.setAway(!inbox.away)}>${inbox.away ? away.away : away.available}</button>`
      : nothing}
    <button type="button" class="ghost menu-button" aria-expanded=${menu.open ? 'true' : 'false'} aria-controls="topbar-menu" @click=${() => menu.set(!menu.open)}>
      ${menuIcon}<span>${t.menu}</span>
    </button>
    <div class="menu" id="topbar-menu" ?data-open=${menu.open}>
      ${inbox.connected ? html`<span class="muted online">${t.agentsOnline(inbox.agentsOnline)}</span>` : nothing}
      ${alerts.notificationPermission === 'default'
        ? html`<button type="button" class="ghost" @click=${enableNotifications}>${t.enableNotifications}</button>`
        : nothing}
      ${adminLinks(inbox.account, t)}
      <button type="button" class="ghost" title=${t.soundTitle} @click=${toggleSound}>${t.sound(alerts.soundOn)}</button>
      ${meBadge(inbox.account, inbox.agentId, inbox.agentName)}
      <button type="button" class="ghost" @click=${() => void inbox.signOut()}>${t.signOut}</button>
    </div>
  </header>`;
}
