/**
 * Away mode (DESIGN.md §10, issue 14): nobody can answer now when the team
 * is outside its business hours, or no agent is online, or every online
 * agent set themselves away (the workbench's toggle, `AgentStatus`).
 *
 * The hours' state is cached until its next change (an opening or a
 * closing), and a timer fires at that instant so the widgets hear about it
 * (`onChange`) without anyone connecting. Agents' away flags live in memory
 * for as long as the server runs (a reload of the workbench keeps it; a
 * restart forgets it, like being online).
 */
import { hoursState, type BusinessHours, type HoursState } from './hours.js';

/** What visitors are told. */
export interface AwayView {
  /** Nobody can answer now. */
  readonly away: boolean;
  /** The next opening when away outside hours, ms since the epoch; 0 when not known (inside hours, nobody online) or not away. */
  readonly nextOpenMs: number;
}

export interface AvailabilityDeps {
  /** The business hours in force (settings, live). */
  hours(): BusinessHours;
  /** Agent ids with a session open now. */
  onlineAgents(): readonly string[];
  /** Clock, ms since the epoch. */
  now(): number;
  /** Called when what visitors are told may have changed (hours opened or closed, an agent toggled away). */
  onChange(): void;
}

/** Longest wait of the hours timer, ms (it re-checks at least daily). */
const MAX_TIMER_MS = 86_400_000;

export class Availability {
  private readonly awayAgents = new Set<string>();
  private cached: { readonly state: HoursState; readonly until: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly deps: AvailabilityDeps) {}

  /** Sets an agent's own away flag; true when it changed (and `onChange` was called). */
  setAgentAway(agentId: string, away: boolean): boolean {
    if (this.awayAgents.has(agentId) === away) return false;
    if (away) this.awayAgents.add(agentId);
    else this.awayAgents.delete(agentId);
    this.deps.onChange();
    return true;
  }

  /** True when the agent set themselves away. */
  isAgentAway(agentId: string): boolean {
    return this.awayAgents.has(agentId);
  }

  /** Online agents who set themselves away. */
  awayAgentIds(): string[] {
    return this.deps.onlineAgents().filter((id) => this.awayAgents.has(id));
  }

  /** Online agents who did not set themselves away. */
  availableAgents(): number {
    let count = 0;
    for (const id of this.deps.onlineAgents()) if (!this.awayAgents.has(id)) count++;
    return count;
  }

  /** The business hours' state now (cached until its next change). */
  hoursNow(): HoursState {
    const now = this.deps.now();
    if (!this.cached || now >= this.cached.until) {
      const state = hoursState(this.deps.hours(), now);
      const change = state.open ? state.until : state.next;
      this.cached = { state, until: change ?? Number.POSITIVE_INFINITY };
      this.schedule(change === null ? MAX_TIMER_MS : Math.min(MAX_TIMER_MS, change - now));
    }
    return this.cached.state;
  }

  /** What visitors are told now. */
  view(): AwayView {
    const hours = this.hoursNow();
    if (!hours.open) return { away: true, nextOpenMs: hours.next ?? 0 };
    return { away: this.availableAgents() === 0, nextOpenMs: 0 };
  }

  /** The business hours changed (settings): recompute and tell. */
  hoursChanged(): void {
    this.cached = undefined;
    this.hoursNow();
    this.deps.onChange();
  }

  /** Stops the timer. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.disposed) return;
    this.timer = setTimeout(() => {
      this.cached = undefined;
      this.hoursNow();
      this.deps.onChange();
    }, Math.max(1000, delayMs));
    this.timer.unref();
  }
}
