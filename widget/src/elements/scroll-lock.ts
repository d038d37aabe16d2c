/**
 * Page scroll lock for the full-screen panel on phones (issue 11): while it
 * covers the page, a swipe over its header or composer must not scroll the
 * shop behind it, and closing it must leave the visitor where they were.
 * `overflow: hidden` alone does not stop iOS Safari, so the body is pinned
 * with `position: fixed` at the current offset, and the offset is restored
 * on unlock.
 */

/** Pins the page where it is; returns the function that releases it and scrolls back. */
export function lockPageScroll(): () => void {
  const y = scrollY;
  const style = document.body.style;
  const saved = style.cssText;
  style.cssText += `;position:fixed;top:-${y}px;width:100%;overflow:hidden`;
  return () => {
    style.cssText = saved;
    scrollTo(0, y);
  };
}
