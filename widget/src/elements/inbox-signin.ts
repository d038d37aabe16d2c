/**
 * The workbench's screens before the inbox: password sign-in, first-run
 * owner setup (`/setup#code=…`) and invite acceptance (`/invite#code=…`).
 * Templates only; `<cs-inbox>` owns what they submit to.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { icons } from './icons.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** Which screen shows while signed out. */
export const Gate = { SignIn: 'signin', Setup: 'setup', Invite: 'invite' } as const;
export type Gate = (typeof Gate)[keyof typeof Gate];

/** What the screens show besides their fields. */
export interface GateView {
  readonly error: string;
  readonly busy: boolean;
  /** Invite: the role offered and the fixed email ('' lets the invitee type one). */
  readonly invite?: { readonly role: string; readonly email: string };
  /** The strings in the agent's (the browser's) language. */
  readonly t: WorkbenchStrings;
}

function errorLine(view: GateView): TemplateResult | typeof nothing {
  return view.error ? html`<p class="error" role="alert">${view.error}</p>` : nothing;
}

/** Email and password. */
export function signInForm(view: GateView, onSubmit: (e: SubmitEvent) => void): TemplateResult {
  const t = view.t;
  return html`<div class="center">
    <form class="signin" aria-labelledby="signin-title" @submit=${onSubmit}>
      <div class="brand big">${icons.chat}<span>cs-chat</span></div>
      <h1 id="signin-title">${t.signInTitle}</h1>
      <label for="email">${t.email}</label>
      <input id="email" name="email" type="email" autocomplete="username" required />
      <label for="password">${t.password}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      ${errorLine(view)}
      <button type="submit" class="primary" ?disabled=${view.busy}>${t.signIn}</button>
      <p class="muted small">${t.signInHelp} <code>npm run admin -- reset-password --email you@…</code></p>
    </form>
  </div>`;
}

/** Name, email and a new password: the owner (setup) or an invitee. */
export function accountForm(gate: Gate, view: GateView, onSubmit: (e: SubmitEvent) => void): TemplateResult {
  const setup = gate === Gate.Setup;
  const fixedEmail = view.invite?.email ?? '';
  const t = view.t;
  const title = setup ? t.setupTitle : t.joinTitle;
  const intro = setup ? t.setupLead : t.inviteLead(view.invite?.role === 'admin');
  return html`<div class="center">
    <form class="signin" aria-labelledby="gate-title" @submit=${onSubmit}>
      <div class="brand big">${icons.chat}<span>cs-chat</span></div>
      <h1 id="gate-title">${title}</h1>
      <p class="muted">${intro}</p>
      <label for="name">${t.yourName}</label>
      <input id="name" name="name" type="text" autocomplete="name" maxlength="80" required />
      <label for="email">${t.email}</label>
      ${fixedEmail
        ? html`<input id="email" name="email" type="email" .value=${fixedEmail} readonly />`
        : html`<input id="email" name="email" type="email" autocomplete="username" required />`}
      <label for="password">${t.passwordNew}</label>
      <input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required />
      ${errorLine(view)}
      <button type="submit" class="primary" ?disabled=${view.busy}>${setup ? t.createOwner : t.joinSignIn}</button>
    </form>
  </div>`;
}
