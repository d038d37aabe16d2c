/** Visitor profiles in memory, in front of the store's `visitors` table (DESIGN.md §5). */
import type { ColdReader, VisitorProfile } from './records.js';

/**
 * Visitor profiles: a bounded cache in front of the store's `visitors` table
 * (misses are cached too, so an anonymous visitor costs one lookup).
 * `set` changes the cache only; the caller records the change durably.
 */
export class VisitorProfiles {
  private readonly cache = new Map<string, VisitorProfile | null>();

  constructor(
    private readonly cold: ColdReader | undefined,
    private readonly max: number,
  ) {}

  get(visitorId: string): VisitorProfile | undefined {
    let profile = this.cache.get(visitorId);
    if (profile === undefined) {
      profile = this.cold?.visitor(visitorId) ?? null;
      if (profile?.userId === '' && profile.name === '' && profile.email === '') profile = null;
      this.remember(visitorId, profile);
    }
    return profile ?? undefined;
  }

  set(visitorId: string, profile: VisitorProfile): void {
    this.cache.delete(visitorId);
    this.remember(visitorId, profile);
  }

  private remember(visitorId: string, profile: VisitorProfile | null): void {
    this.cache.set(visitorId, profile);
    // Without a store behind it the cache is the only copy: keep everything.
    if (this.cold && this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value as string);
  }
}
