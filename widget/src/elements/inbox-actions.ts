/**
 * The open conversation's action bar (claim, transfer / assign by picking
 * an agent by name with their online state, unassign, resolve, reopen) and
 * the top bar's links to the admin pages. Views only: `<cs-inbox>` passes
 * in the state and the callbacks.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { cs } from '../../../proto/gen/chat.js';
import type { ConversationInfo } from '../core/types.js';
import type { AccountInfo } from './inbox-account.js';
import { initials, textOn } from './initials.js';
import type { TransferTarget } from './inbox-directory.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** What the action bar shows and calls. */
export interface ActionsView {
  readonly info: ConversationInfo;
  /** The signed-in agent. */
  readonly agentId: string;
  /** Who the conversation can go to (inbox-directory.ts). */
  readonly targets: readonly TransferTarget[];
  /** The agent picked in the transfer picker ('' for none). */
  readonly transferTo: string;
  readonly t: WorkbenchStrings;
  act(kind: cs.v1.ActionKind, agentId?: string): void;
  pick(agentId: string): void;
  /** The picker got focus: a chance to read who is online. */
  openPicker(): void;
}

/** The action bar of the open conversation. */
export function conversationActions(v: ActionsView): TemplateResult {
  const { info, t } = v;
  const resolved = info.status === cs.v1.ConversationStatus.RESOLVED;
  const transfer = (e: SubmitEvent): void => {
    e.preventDefault();
    if (v.transferTo) v.act(cs.v1.ActionKind.ASSIGN, v.transferTo);
    v.pick('');
  };
  return html`<div class="actions" role="group" aria-label=${t.conversationActions}>
    ${info.assigneeId !== v.agentId && !resolved ? html`<button type="button" class="primary" @click=${() => v.act(cs.v1.ActionKind.CLAIM)}>${t.claim}</button>` : nothing}
    <form class="transfer" @submit=${transfer}>
      <label class="sr-only" for="transfer-to">${info.assigneeId ? t.transferToAgent : t.assignToAgent}</label>
      <select id="transfer-to" @focus=${v.openPicker} @change=${(e: Event) => v.pick((e.target as HTMLSelectElement).value)}>
        <option value="" ?selected=${!v.transferTo}>${info.assigneeId ? t.transferTo : t.assignTo}</option>
        ${v.targets.map((a) => html`<option value=${a.id} ?selected=${a.id === v.transferTo}>${a.name} · ${a.online ? t.onlineLower : t.offlineLower}</option>`)}
      </select>
      <button type="submit" ?disabled=${!v.transferTo}>${info.assigneeId ? t.transfer : t.assign}</button>
    </form>
    ${info.assigneeId === v.agentId && !resolved
      ? html`<button type="button" title=${t.unassignTitle} @click=${() => v.act(cs.v1.ActionKind.UNASSIGN)}>${t.unassign}</button>`
      : nothing}
    ${resolved
      ? html`<button type="button" @click=${() => v.act(cs.v1.ActionKind.REOPEN)}>${t.reopen}</button>`
      : html`<button type="button" class="resolve" @click=${() => v.act(cs.v1.ActionKind.RESOLVE)}>${t.resolve}</button>`}
  </div>`;
}

/** Links to the admin pages (cs-admin.ts): the team for everyone signed in, settings and announcements for admins (and service tokens: announcements). */
export function adminLinks(account: AccountInfo | undefined, t: WorkbenchStrings): TemplateResult {
  const admin = !account || account.role !== 'agent';
  return html`${account ? html`<a class="ghost" href="/agent/team">${t.team}</a>` : nothing}
    ${account && admin ? html`<a class="ghost" href="/agent/settings">${t.settings}</a>` : nothing}
    ${admin ? html`<a class="ghost" href="/agent/announcements">${t.announcements}</a>` : nothing}`;
}

/** Who is signed in: an account links to its profile page; a service token shows its agent id. */
export function meBadge(account: AccountInfo | undefined, agentId: string, name: string): TemplateResult {
  const initial = initials(name);
  return account
    ? html`<a class="me" href="/agent/profile" title=${account.email}><span class="me-avatar" aria-hidden="true" style=${`background:${account.avatar_color};color:${textOn(account.avatar_color)}`}>${initial}</span>${name}</a>`
    : html`<span class="me" title=${agentId}><span class="me-avatar" aria-hidden="true">${initial}</span>${name}</span>`;
}
