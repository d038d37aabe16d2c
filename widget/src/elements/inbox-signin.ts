/**
 * The workbench's screens before the inbox: password sign-in, first-run
 * owner setup (`/setup#code=…`) and invite acceptance (`/invite#code=…`).
 * Templates only; `<cs-inbox>` owns what they submit to.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { icons } from './icons.js';

/** Which screen shows while signed out. */
export const Gate = { SignIn: 'signin', Setup: 'setup', Invite: 'invite' } as const;
export type Gate = (typeof Gate)[keyof typeof Gate];

/** What the screens show besides their fields. */
export interface GateView {
  readonly error: string;
  readonly busy: boolean;
  /** Invite: the role offered and the fixed email ('' lets the invitee type one). */
  readonly invite?: { readonly role: string; readonly email: string };
}

function errorLine(view: GateView): TemplateResult | typeof nothing {
  return view.error ? html`<p class="error" role="alert">${view.error}</p>` : nothing;
}

/** Email and password. */
export function signInForm(view: GateView, onSubmit: (e: SubmitEvent) => void): TemplateResult {
  return html`<div class="center">
    <form class="signin" aria-labelledby="signin-title" @submit=${onSubmit}>
      <div class="brand big">${icons.chat}<span>cs-chat</span></div>
      <h1 id="signin-title">Sign in to the inbox</h1>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      ${errorLine(view)}
      <button type="submit" class="primary" ?disabled=${view.busy}>Sign in</button>
      <p class="muted small">No account yet? Ask an admin of your team for an invite link. Lost access? <code>npm run admin -- reset-password --email you@…</code></p>
    </form>
  </div>`;
}

/** Name, email and a new password: the owner (setup) or an invitee. */
export function accountForm(gate: Gate, view: GateView, onSubmit: (e: SubmitEvent) => void): TemplateResult {
  const setup = gate === Gate.Setup;
  const fixedEmail = view.invite?.email ?? '';
  const title = setup ? 'Set up your cs-chat' : 'Join your team';
  const intro = setup
    ? 'Create the owner account. This link works once.'
    : `You are invited as ${view.invite?.role === 'admin' ? 'an admin' : 'an agent'}. Choose the name your customers see and a password.`;
  return html`<div class="center">
    <form class="signin" aria-labelledby="gate-title" @submit=${onSubmit}>
      <div class="brand big">${icons.chat}<span>cs-chat</span></div>
      <h1 id="gate-title">${title}</h1>
      <p class="muted">${intro}</p>
      <label for="name">Your name</label>
      <input id="name" name="name" type="text" autocomplete="name" maxlength="80" required />
      <label for="email">Email</label>
      ${fixedEmail
        ? html`<input id="email" name="email" type="email" .value=${fixedEmail} readonly />`
        : html`<input id="email" name="email" type="email" autocomplete="username" required />`}
      <label for="password">Password (at least 10 characters)</label>
      <input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required />
      ${errorLine(view)}
      <button type="submit" class="primary" ?disabled=${view.busy}>${setup ? 'Create owner account' : 'Join and sign in'}</button>
    </form>
  </div>`;
}
