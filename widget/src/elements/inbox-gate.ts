/**
 * What the workbench does while signed out (issue 12): resume a signed-in
 * account (the session cookie), password sign-in, first-run owner setup
 * (`/setup#code=…`) and invite acceptance (`/invite#code=…`). It owns the
 * screens' state and calls; `<cs-inbox>` renders them (inbox-signin.ts) and
 * the {@link InboxController} runs the session once signed in.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import { acceptInvite, completeSetup, currentAccount, httpBaseOf, login, previewInvite, type SignedIn } from './inbox-account.js';
import { InboxPhase, type InboxController } from './inbox-controller.js';
import { accountForm, Gate, signInForm } from './inbox-signin.js';
import { workbenchLang, workbenchStrings } from './workbench-i18n.js';

export class GateController implements ReactiveController {
  /** The screen while signed out. */
  gate: Gate = Gate.SignIn;
  error = '';
  busy = false;
  /** Invite: the role offered and the email the inviter fixed. */
  invite: { readonly role: string; readonly email: string } | undefined;
  /** The setup or invite code from the link's #fragment. */
  private code = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly inbox: InboxController,
    /** WebSocket URL of the server (its HTTP origin serves the API). */
    private readonly serverUrl: () => string,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /**
   * Takes a setup or invite code out of the address bar (and history) at
   * once; true when the page was such a link (then no other sign-in runs).
   */
  takeLink(): boolean {
    const code = new URLSearchParams(location.hash.slice(1)).get('code');
    if (!code || (location.pathname !== '/setup' && location.pathname !== '/invite')) return false;
    history.replaceState(null, '', location.pathname);
    this.code = code;
    this.gate = location.pathname === '/setup' ? Gate.Setup : Gate.Invite;
    if (this.gate === Gate.Invite) void this.loadInvite();
    this.host.requestUpdate();
    return true;
  }

  /** Signed in already (the session cookie): straight to the inbox. */
  async resume(): Promise<void> {
    await this.run(async () => {
      const current = await currentAccount(this.base);
      if (current && this.inbox.phase === InboxPhase.SignedOut) await this.inbox.signInAccount(current.account, current.csrf);
    });
  }

  /** The screen for the current gate. */
  render(): TemplateResult {
    const view = { error: this.error || this.inbox.signInError, busy: this.busy, invite: this.invite, t: workbenchStrings(workbenchLang('')) };
    if (this.gate === Gate.SignIn) return signInForm(view, (e) => this.onSignIn(e));
    return accountForm(this.gate, view, (e) => this.onAccountForm(e));
  }

  private get base(): string {
    return httpBaseOf(this.serverUrl());
  }

  private async loadInvite(): Promise<void> {
    await this.run(async () => {
      this.invite = await previewInvite(this.base, this.code);
    });
  }

  /** Runs a call: busy while it runs, its refusal shown on the screen. */
  private async run(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = '';
    this.host.requestUpdate();
    try {
      await work();
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  private signIn(call: () => Promise<SignedIn>): Promise<void> {
    this.inbox.signInError = '';
    return this.run(async () => {
      const done = await call();
      if (this.gate !== Gate.SignIn) history.replaceState(null, '', '/agent');
      this.gate = Gate.SignIn;
      await this.inbox.signInAccount(done.account, done.csrf);
    });
  }

  private onSignIn(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    void this.signIn(() => login(this.base, String(data.get('email') ?? ''), String(data.get('password') ?? '')));
  }

  private onAccountForm(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const [name = '', email = '', password = ''] = ['name', 'email', 'password'].map((k) => String(data.get(k) ?? ''));
    const { base, code } = this;
    const setup = this.gate === Gate.Setup;
    void this.signIn(() => (setup ? completeSetup(base, code, name, email, password) : acceptInvite(base, code, name, email, password)));
  }
}
