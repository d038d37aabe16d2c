/**
 * The public mailbox's domain types (DESIGN.md §6): an announcement, its
 * lifecycle states, its audience and its counters.
 */

/**
 * Lifecycle of an announcement: `draft -> prerelease -> published ->
 * stopped | recalled`. `prerelease` shows it only to the whitelist;
 * `stopped` shows it to nobody new (copies already held stay until they
 * expire); `recalled` removes it from every client that holds it.
 */
export const AnnouncementState = {
  Draft: 'draft',
  Prerelease: 'prerelease',
  Published: 'published',
  Stopped: 'stopped',
  Recalled: 'recalled',
} as const;
export type AnnouncementState = (typeof AnnouncementState)[keyof typeof AnnouncementState];

/** Who an announcement is for: everyone, only identified visitors (a signed user id), or only anonymous ones. */
export const Audience = { All: 'all', Identified: 'identified', Anonymous: 'anonymous' } as const;
export type Audience = (typeof Audience)[keyof typeof Audience];

/** What a transition endpoint asks for. */
export type Transition = 'prerelease' | 'publish' | 'stop' | 'recall';

/** The states each transition may start from. */
export const TRANSITIONS: Readonly<Record<Transition, { from: readonly AnnouncementState[]; to: AnnouncementState }>> = {
  prerelease: { from: [AnnouncementState.Draft], to: AnnouncementState.Prerelease },
  publish: { from: [AnnouncementState.Draft, AnnouncementState.Prerelease], to: AnnouncementState.Published },
  stop: { from: [AnnouncementState.Prerelease, AnnouncementState.Published], to: AnnouncementState.Stopped },
  recall: { from: [AnnouncementState.Prerelease, AnnouncementState.Published, AnnouncementState.Stopped], to: AnnouncementState.Recalled },
};

/** States in which the content may be edited (a published one is re-sent with a new seq). */
export const EDITABLE: readonly AnnouncementState[] = [AnnouncementState.Draft, AnnouncementState.Prerelease, AnnouncementState.Published];
/** States in which the whitelist may be edited (it only matters before publishing). */
export const WHITELIST_EDITABLE: readonly AnnouncementState[] = [AnnouncementState.Draft, AnnouncementState.Prerelease];

/** The fields a merchant sets (create and edit). */
export interface AnnouncementContent {
  site: string;
  title: string;
  body: string;
  /** An http(s) link the card shows as a button ('' = none). */
  linkUrl: string;
  linkLabel: string;
  /** Never shown after this, ms since the epoch. */
  expiresMs: number;
  /** Scheduled start: not shown before this, ms (0 = at publish). */
  startsMs: number;
  audience: Audience;
  /** Glob on the page URL the widget reports ('' = every page); see glob.ts. */
  urlPattern: string;
  /** Language tag the visitor's language must match ('' = every language); 'zh' matches 'zh-CN'. */
  lang: string;
  /** Clients below this core level get `fallbackText`, or nothing when it is ''. 0 = every client. */
  minCoreLevel: number;
  fallbackText: string;
}

/** How many visitors did what with an announcement. */
export interface AnnouncementStats {
  /** Copies handed to clients (per device; a client whose cursor is past it is not counted again). */
  delivered: number;
  seen: number;
  clicked: number;
  dismissed: number;
  replied: number;
}

/** Visitor ids and identified user ids an announcement in prerelease is shown to. */
export interface Whitelist {
  visitorIds: string[];
  userIds: string[];
}

/** One announcement, as stored (one row) and cached in memory. */
export interface Announcement extends AnnouncementContent {
  readonly id: string;
  state: AnnouncementState;
  /** The mailbox seq of its last publish, edit, stop or recall. */
  seq: number;
  /** The mailbox seq at which it first became visible to anyone (0: never). */
  firstSeq: number;
  readonly createdBy: string;
  readonly createdMs: number;
  updatedMs: number;
  /** When it was published (0: not yet). */
  publishedMs: number;
  stats: AnnouncementStats;
  whitelist: Whitelist;
}

/** What a refusal is about; the API maps it to a status (bad_input 400, not_found 404, conflict 409). */
export type BroadcastErrorKind = 'bad_input' | 'not_found' | 'conflict';

/** A refused request on the mailbox. Nothing was changed. */
export class BroadcastError extends Error {
  readonly type = 'BroadcastError';
  constructor(
    readonly kind: BroadcastErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'BroadcastError';
  }
}
