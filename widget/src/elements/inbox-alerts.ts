/**
 * Alerts for agents: the unread count in the document title, a browser
 * Notification when the agent allowed them and is looking elsewhere, and an
 * optional short beep made with WebAudio (no audio file to download).
 */
import type { Disposer } from '../core/types.js';

const SOUND_KEY = 'cs-inbox-sound';

/** Title, notification and sound alerts; `dispose()` restores the title. */
export class InboxAlerts {
  private readonly baseTitle: string;
  private audio: AudioContext | undefined;
  private readonly notifications = new Set<Notification>();
  /** Play a beep on new conversations and messages. Remembered per browser. Default on. */
  soundOn: boolean;

  constructor(private readonly doc: Document = document) {
    this.baseTitle = doc.title.replace(/^\(\d+\)\s*/, '');
    this.soundOn = readStorage(SOUND_KEY) !== 'off';
  }

  /** Shows `(n) ` before the page title while n > 0. */
  setUnread(count: number): void {
    const title = count > 0 ? `(${count}) ${this.baseTitle}` : this.baseTitle;
    if (this.doc.title !== title) this.doc.title = title;
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
    const away = this.doc.hidden || !this.doc.hasFocus();
    if (!away || this.notificationPermission !== 'granted') return;
    const note = new Notification(title, { body: body.slice(0, 140), tag });
    this.notifications.add(note);
    note.onclick = () => {
      window.focus();
      onClick();
      note.close();
    };
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
    this.doc.title = this.baseTitle;
    for (const note of this.notifications) note.close();
    void this.audio?.close();
    this.audio = undefined;
  }
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
    // Storage blocked: the agent signs in again next time.
  }
}
