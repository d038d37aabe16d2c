/**
 * Merging the search index's segments in small steps of the writer thread's
 * own (issue 9's latency after the fill).
 *
 * FTS5 writes every index slice (search-index.ts) as a new segment, and by
 * default merges segments inside the writes themselves ("automerge"): the
 * slice whose flush started a merge took 10-16 ms instead of its 2-3, about
 * once a second on a full store, and a batch arriving meanwhile waited for
 * it (measured 2026-12-02 in the soak: most slices over 10 ms spent it in
 * the statement after the insert, where FTS5 flushes and merges). The
 * migration step `searchIndexMergedBySteps` turns automerge off; this file
 * does the same merging as FTS5's own `merge` command, `N` pages at a time,
 * with `N` sized by the measured cost of a page so that a step holds the
 * writer for about `STEP_MS`. With a positive `N` FTS5 merges only a level
 * that holds `usermerge` segments or a merge already begun, the same rule
 * automerge follows. Each step is one transaction with
 * `synchronous=NORMAL`, as the slices are (the index is derived data).
 *
 * ## Wide levels
 *
 * FTS5 ends a merge step only between two terms, however small `N`: a
 * term's whole doclist at that level goes in one step. Words that are in
 * many messages have long doclists, so the steps of the upper levels took
 * 3-14 ms where 2 were asked (the soak, whose every message has the same
 * words, measured 2026-12-02: a third of the steps that merged, 64 over
 * 3 ms in 20 s). Since a message's entries are rewritten once per level, a
 * level of `USERMERGE` (16) segments instead of FTS5's default 4 rewrites
 * them about half as often (log16 against log4 of the slices written):
 * merge steps over 3 ms in the same soak 64 -> 17, the writer's time in
 * them 3.4 -> 1.1%. A search reads up to 15 segments per level instead of
 * 3, on half the levels. `crisismerge` (the count at which FTS5 merges a
 * level inside a write, default 16) goes to `CRISISMERGE`, above
 * `USERMERGE`, so that a slice never merges: steps follow every slice and
 * keep each level below it. Both are kept in the index's own config
 * (`search_index_config`), set by the migration step `searchIndexWideLevels`.
 */
import type Database from 'better-sqlite3';

/** How long one step should hold the writer, ms. */
const STEP_MS = 2;
/** Pages a step writes at least and at most. */
const MIN_PAGES = 16;
const MAX_PAGES = 2000;
/** What a page is taken to cost before any step was timed, µs. */
const FIRST_PAGE_US = 20;

/** Segments a level of the search index gathers before a step merges them (FTS5's `usermerge`, 2-16, default 4): see Wide levels. */
export const USERMERGE = 16;
/** Segments on a level at which FTS5 would merge it inside a write (`crisismerge`, default 16): above `USERMERGE`, never reached while steps run. */
export const CRISISMERGE = 64;

/** The migration step: a level merges at `USERMERGE` segments, a write merges none below `CRISISMERGE` (FTS5 wants integers here: literals, not bound numbers). */
export function searchIndexWideLevels(db: Database.Database): void {
  db.prepare(`INSERT INTO search_index (search_index, rank) VALUES ('crisismerge', ${CRISISMERGE})`).run();
  db.prepare(`INSERT INTO search_index (search_index, rank) VALUES ('usermerge', ${USERMERGE})`).run();
}

/** The migration step: FTS5 no longer merges inside the index's writes; `SegmentMerger` does. */
export function searchIndexMergedBySteps(db: Database.Database): void {
  db.prepare("INSERT INTO search_index (search_index, rank) VALUES ('automerge', 0)").run();
}

/** Runs merge steps of `search_index` on one write connection. */
export class SegmentMerger {
  private readonly merge;
  private readonly changes;
  private readonly normal;
  private readonly full;
  /** Measured cost of a merged page, µs (a moving average over the last steps). */
  private pageUs = FIRST_PAGE_US;
  /** Steps that did work since the merger was made (tests). */
  steps = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.merge = db.prepare("INSERT INTO search_index (search_index, rank) VALUES ('merge', ?)");
    this.changes = db.prepare('SELECT total_changes()').pluck();
    this.normal = db.prepare('PRAGMA synchronous = NORMAL');
    this.full = db.prepare('PRAGMA synchronous = FULL');
  }

  /** Pages the next step may write in `stepMs` (at most `STEP_MS`). */
  budget(stepMs = STEP_MS): number {
    return Math.max(MIN_PAGES, Math.min(MAX_PAGES, Math.floor((Math.min(STEP_MS, stepMs) * 1000) / this.pageUs)));
  }

  /**
   * One step of at most `budget(stepMs)` pages, in its own transaction.
   * @returns true when it merged something (more may be left), false when no level needed merging.
   */
  step(stepMs = STEP_MS): boolean {
    const pages = this.budget(stepMs);
    const started = this.now();
    let written = 0;
    this.normal.run();
    try {
      this.db.transaction(() => {
        const before = this.changes.get() as number;
        this.merge.run(pages);
        // FTS5's documented test: a change count up by 2 or more means the step did work (a row per page written, and the structure).
        written = (this.changes.get() as number) - before;
      }).immediate();
    } finally {
      this.full.run();
    }
    if (written < 2) return false;
    this.steps += 1;
    this.pageUs = 0.7 * this.pageUs + 0.3 * (((this.now() - started) * 1000) / Math.max(1, written));
    return true;
  }
}
