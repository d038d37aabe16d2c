/**
 * Getting a person's attention, for both elements: the unread count in
 * `document.title` ("(2) Acme shop"), a browser Notification, and for agents
 * a short beep. Nothing here asks for notification permission by itself: a
 * prompt on page load is what makes people block a site.
 *
 * - {@link AttentionController} (`<cs-chat>`): acts only while the page is
 *   hidden; the title is restored as soon as the page is visible again,
 *   unless the page changed it meanwhile.
 * - {@link InboxAlerts} (`<cs-inbox>`): the title always shows the unread
 *   total; notifications while the agent looks elsewhere; sound on request.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Disposer } from '../core/types.js';

/** True when the page is hidden (another tab, minimised window). */
export function pageHidden(doc: Document = document): boolean {
  return doc.visibilityState === 'hidden';
}

/** localStorage read that survives storage being blocked (private modes, sandboxed frames). */
export function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** localStorage write (null removes) that survives storage being blocked. */
export function writeStorage(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage blocked: the setting is not remembered.
  }
}

/**
 * Shows a browser notification when the user granted permission; a click
 * focuses the page, runs `onClick` and closes it.
 * @returns the notification, or undefined when none could be shown.
 */
export function notify(title: string, body: string, tag: string, onClick: () => void): Notification | undefined {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return undefined;
  try {
    const note = new Notification(title, { body: body.slice(0, 140), tag });
    note.onclick = () => {
      window.focus();
      onClick();
      note.close();
    };
    return note;
  } catch {
    // Some browsers (Android Chrome) only allow notifications from a service worker.
    return undefined;
  }
}

/** The "(n) " prefix on the page title, put there and taken off in one place. */
class TitleBadge {
  private base: string | undefined;
  private shown = '';

  constructor(private readonly doc: Document) {}

  /** Shows `(count) title`; the title under it is the page's own, read again when the page changed it. */
  show(count: number): void {
    if (this.base === undefined || this.doc.title !== this.shown) this.base = this.doc.title.replace(/^\(\d+\)\s*/, '');
    this.shown = `(${count}) ${this.base}`;
    if (this.doc.title !== this.shown) this.doc.title = this.shown;
  }

  /** Takes the prefix off again, unless the page set a title of its own meanwhile. */
  clear(): void {
    if (this.base !== undefined && this.doc.title === this.shown) this.doc.title = this.base;
    this.base = undefined;
  }
}

/** `<cs-chat>`'s title badge and notification while the page is hidden. */
export class AttentionController implements ReactiveController {
  private readonly badge = new TitleBadge(document);
  private notification: Notification | undefined;
  private readonly onVisibility = (): void => {
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
    this.badge.show(unread);
    this.notification?.close();
    this.notification = notify(title, body, 'cs-chat', onClick);
  }

  /** Restores the title and closes the notification. */
  clear(): void {
    this.badge.clear();
    this.notification?.close();
    this.notification = undefined;
  }
}

const SOUND_KEY = 'cs-inbox-sound';

/** `<cs-inbox>`'s title, notification and sound alerts; `dispose()` restores the title. */
export class InboxAlerts {
  private readonly badge: TitleBadge;
  private audio: AudioContext | undefined;
  private readonly notifications = new Set<Notification>();
  /** Play a beep on new conversations and messages. Remembered per browser. Default on. */
  soundOn: boolean;

  constructor(private readonly doc: Document = document) {
    this.badge = new TitleBadge(doc);
    this.soundOn = readStorage(SOUND_KEY) !== 'off';
  }

  /** Shows `(n) ` before the page title while n > 0. */
  setUnread(count: number): void {
    if (count > 0) this.badge.show(count);
    else this.badge.clear();
  }

  setSound(on: boolean): void {
    this.soundOn = on;
    writeStorage(SOUND_KEY, on ? 'on' : 'off');
    if (on) this.beep();
  }

  /** 'granted', 'denied', 'default', or 'unsupported' where the browser has no Notification. */
  get notificationPermission(): NotificationPermission | 'unsupported' {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  /** Asks for permission; must run from a user gesture. */
  async requestNotifications(): Promise<NotificationPermission | 'unsupported'> {
    if (typeof Notification === 'undefined') return 'unsupported';
    return Notification.requestPermission();
  }

  /**
   * Alerts the agent: a beep when sound is on, and a notification when
   * permitted and the page is hidden or unfocused (an agent who is looking at
   * the workbench sees the list change; a pop-up would only get in the way).
   * Clicking the notification focuses the page and calls `onClick`.
   */
  alert(title: string, body: string, tag: string, onClick: () => void): void {
    if (this.soundOn) this.beep();
    if (!this.doc.hidden && this.doc.hasFocus()) return;
    const note = notify(title, body, tag, onClick);
    if (!note) return;
    this.notifications.add(note);
    note.onclose = () => this.notifications.delete(note);
  }

  /** A 120 ms two-tone chime, quiet enough for an office. */
  beep(): void {
    try {
      this.audio ??= new AudioContext();
      const ctx = this.audio;
      if (ctx.state === 'suspended') void ctx.resume();
      const t = ctx.currentTime;
      for (const [i, freq] of [880, 1320].entries()) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + i * 0.07);
        gain.gain.exponentialRampToValueAtTime(0.08, t + i * 0.07 + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.07 + 0.12);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t + i * 0.07);
        osc.stop(t + i * 0.07 + 0.13);
      }
    } catch {
      // No audio device or autoplay blocked: the title badge still tells.
    }
  }

  /** Listens for the page becoming visible again (to clear notifications). */
  onVisible(listener: () => void): Disposer {
    const handler = (): void => {
      if (!this.doc.hidden) {
        for (const note of this.notifications) note.close();
        listener();
      }
    };
    this.doc.addEventListener('visibilitychange', handler);
    return () => this.doc.removeEventListener('visibilitychange', handler);
  }

  dispose(): void {
    this.badge.clear();
    for (const note of this.notifications) note.close();
    void this.audio?.close();
    this.audio = undefined;
  }
}
