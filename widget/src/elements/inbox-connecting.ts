/**
 * The workbench while it signs in (issue 11). When the socket could not even
 * open — the browser does not say why: a refused upgrade (HTTP 403 for an
 * origin the server does not allow) looks the same as a server that is down
 * — it says so and what to check, instead of spinning, and keeps trying.
 */
import { html, type TemplateResult } from 'lit';
import { ConnState } from '../core/types.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** What the screen needs from the inbox controller. */
export interface ConnectingState {
  readonly conn: ConnState;
  /** The WebSocket URL being tried. */
  readonly url: string;
  signOut(): Promise<void>;
}

/** A spinner while connecting; the reason and the way out once an attempt failed. */
export function connectingScreen(inbox: ConnectingState, t: WorkbenchStrings): TemplateResult {
  const stuck = inbox.conn === ConnState.Waiting || inbox.conn === ConnState.Offline;
  if (!stuck) return html`<div class="center" role="status"><span class="spinner" aria-hidden="true"></span>${t.signingIn}</div>`;
  return html`<div class="center">
    <div class="signin">
      <h1>${t.cannotReach}</h1>
      <p class="error" role="alert">
        ${inbox.conn === ConnState.Offline ? t.browserOffline : html`${t.connectionFailed} <code>${inbox.url}</code>`}
        ${t.stillTrying}
      </p>
      <p class="muted">
        ${t.connectHelp[0]}<code>CS_ALLOWED_ORIGINS</code>${t.connectHelp[1]}<code>Host</code>${t.connectHelp[2]}
      </p>
      <button type="button" class="ghost" @click=${() => void inbox.signOut()}>${t.backToSignIn}</button>
    </div>
  </div>`;
}
