/**
 * What the inbox reads from the JSON API besides the socket, for a person
 * signed in with an account: the team (names, enabled, online now) for the
 * transfer picker, and the canned replies for the composer. Read at sign-in
 * and again whenever the number of agents online changes or the picker is
 * opened, so "online" stays current. A service-token session (no cookie)
 * has no directory: the picker falls back to the agent ids the server
 * reports online.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { AdminApi, type TeamAccount } from './admin-api.js';
import type { CannedReply } from './inbox-canned.js';

/** One agent the picker offers. */
export interface TransferTarget {
  readonly id: string;
  readonly name: string;
  readonly online: boolean;
}

/**
 * The agents a conversation can go to: enabled accounts and any other
 * agent id online now (bots, service tokens), minus `exclude` (the current
 * assignee, and the agent looking, who has Claim); online first, then by name.
 */
export function transferTargets(accounts: readonly TeamAccount[], onlineIds: readonly string[], exclude: readonly string[]): TransferTarget[] {
  const known = new Set(accounts.map((a) => a.id));
  const online = new Set(onlineIds);
  const targets: TransferTarget[] = [
    ...accounts.filter((a) => !a.disabled).map((a) => ({ id: a.id, name: a.name, online: a.online || online.has(a.id) })),
    ...onlineIds.filter((id) => !known.has(id)).map((id) => ({ id, name: id, online: true })),
  ];
  return targets
    .filter((t) => !exclude.includes(t.id))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
}

export class InboxDirectory implements ReactiveController {
  /** The team, as last read ([] without an account). */
  accounts: readonly TeamAccount[] = [];
  /** The canned replies from the server; undefined until read (or without an account). */
  canned: readonly CannedReply[] | undefined;
  private api: AdminApi | undefined;
  /** Read call id: an older answer is ignored. */
  private call = 0;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Starts reading for a signed-in account (`base`: the server's HTTP origin); `undefined` stops (signed out, service token). */
  use(base: string | undefined): void {
    if ((this.api?.base ?? '') === (base ?? '')) return;
    this.api = base === undefined ? undefined : new AdminApi(base);
    this.accounts = [];
    this.canned = undefined;
    this.call++;
    if (this.api) {
      void this.refresh();
      void this.api.canned().then(
        (list) => {
          this.canned = list.map((r) => ({ shortcut: r.shortcut, text: r.text }));
          this.host.requestUpdate();
        },
        () => undefined,
      );
    }
  }

  /** An agent's display name from the team list, else the id. */
  nameOf(id: string): string {
    return this.accounts.find((a) => a.id === id)?.name ?? id;
  }

  /** Reads the team again (names, online). */
  async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const call = ++this.call;
    try {
      const accounts = await api.accounts();
      if (call !== this.call) return;
      this.accounts = accounts;
      this.host.requestUpdate();
    } catch {
      // Keep the last list; the socket's online ids still fill the picker.
    }
  }
}
