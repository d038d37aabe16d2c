/**
 * Page scroll lock for the full-screen panel on phones (issue 11): while it
 * covers the page, a swipe over its header or composer must not scroll the
 * shop behind it, and closing it must leave the visitor where they were.
 * `overflow: hidden` alone does not stop iOS Safari, so the body is pinned
 * with `position: fixed` at the current offset, and the offset is restored
 * on release. Released too when the element leaves the page.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class ScrollLock implements ReactiveController {
  private release: (() => void) | undefined;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Pins the page where it is (`lock`), or releases it and scrolls back. */
  set(lock: boolean): void {
    this.release?.();
    this.release = undefined;
    if (!lock) return;
    const y = scrollY;
    const style = document.body.style;
    const saved = style.cssText;
    style.cssText += `;position:fixed;top:-${y}px;width:100%;overflow:hidden`;
    this.release = () => {
      style.cssText = saved;
      scrollTo(0, y);
    };
  }

  hostDisconnected(): void {
    this.set(false);
  }
}
