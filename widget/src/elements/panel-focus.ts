/**
 * The keyboard of `<cs-chat>`'s panel, and of the box shown while the
 * panel's code loads, which behaves the same: Escape closes; while it covers
 * the page (phones) it is a modal dialog, so Tab and Shift+Tab cycle inside.
 */

/** The panel covers the whole viewport at this width (launcher-styles.ts has the same breakpoint). */
const FULL_SCREEN_QUERY = '(max-width: 480px)';

/** True when the open panel is full-screen (phones): then it is modal. */
export function isFullScreen(): boolean {
  return matchMedia(FULL_SCREEN_QUERY).matches;
}

/**
 * The dialog's keydown: Escape calls `close`; on a phone Tab and Shift+Tab
 * cycle through the dialog's visible, enabled controls (on a desktop the
 * panel sits beside the page, which stays usable, so Tab moves on to it).
 * `root` is the element's shadow root (where the focused control is).
 */
export function dialogKeydown(e: KeyboardEvent, close: () => void, root: ShadowRoot | null): void {
  if (e.key === 'Escape') {
    e.stopPropagation();
    close();
    return;
  }
  if (e.key !== 'Tab' || !isFullScreen()) return;
  const panel = e.currentTarget as HTMLElement;
  const active = root?.activeElement ?? null;
  const focusable = [...panel.querySelectorAll<HTMLElement>('button, textarea, [tabindex="0"]')].filter(
    (el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0,
  );
  if (!focusable.length) return;
  const first = focusable[0]!;
  const last = focusable[focusable.length - 1]!;
  if (e.shiftKey && (active === first || !panel.contains(active))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && active === last) {
    e.preventDefault();
    first.focus();
  }
}
