/**
 * Gets the visitor's attention while the page is hidden: the unread count in
 * `document.title` ("(2) Acme shop") and a browser Notification when the
 * visitor granted permission (the widget never asks by itself: a prompt on
 * page load is what makes people block a site). Nothing happens while the
 * page is visible. The title is restored as soon as the page is visible
 * again, unless the page changed it meanwhile.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** True when the page is hidden (another tab, minimised window). */
export function pageHidden(doc: Document = document): boolean {
  return doc.visibilityState === 'hidden';
}

/** A ReactiveController for the title badge and notifications. */
export class AttentionController implements ReactiveController {
  private savedTitle: string | undefined;
  private shownTitle = '';
  private notification: Notification | undefined;
  private readonly onVisibility = () => {
    if (pageHidden()) return;
    this.clear();
    this.onVisible();
  };

  /** `onVisible` runs each time the page becomes visible (to mark messages seen). */
  constructor(
    host: ReactiveControllerHost,
    private readonly onVisible: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.clear();
  }

  /**
   * A message arrived while the panel was not in view. Only acts while the
   * page is hidden. `onClick` runs when the visitor clicks the notification.
   */
  notify(unread: number, title: string, body: string, onClick: () => void): void {
    if (!pageHidden()) return;
    if (this.savedTitle === undefined || document.title !== this.shownTitle) this.savedTitle = document.title;
    this.shownTitle = `(${unread}) ${this.savedTitle}`;
    document.title = this.shownTitle;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    try {
      this.notification?.close();
      const n = new Notification(title, { body, tag: 'cs-chat' });
      n.onclick = () => {
        window.focus();
        onClick();
        n.close();
      };
      this.notification = n;
    } catch {
      // Some browsers (Android Chrome) only allow notifications from a service worker.
    }
  }

  /** Restores the title and closes the notification. */
  clear(): void {
    if (this.savedTitle !== undefined && document.title === this.shownTitle) document.title = this.savedTitle;
    this.savedTitle = undefined;
    this.notification?.close();
    this.notification = undefined;
  }
}
