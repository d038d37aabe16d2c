/** Keeping the keyboard inside `<cs-chat>`'s panel while it covers the page (phones). */

/** The panel covers the whole viewport at this width (launcher-styles.ts has the same breakpoint). */
const FULL_SCREEN_QUERY = '(max-width: 480px)';

/** True when the open panel is full-screen (phones): then it is modal. */
export function isFullScreen(): boolean {
  return matchMedia(FULL_SCREEN_QUERY).matches;
}

/** Tab and Shift+Tab cycle through the panel's visible, enabled controls; `active` is the focused element of its shadow root. */
export function trapTab(e: KeyboardEvent, panel: HTMLElement, active: Element | null): void {
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
