/**
 * The composer both elements share (`<cs-chat>`'s form and
 * `<cs-inbox-composer>`): the draft, the Enter rule and the typing signal.
 * Each element draws its own textarea around it.
 *
 * The Enter rule: Enter sends, Shift/Alt/Ctrl/Meta+Enter does not, and an
 * Enter that ends an IME composition (Chinese, Japanese, Korean input) never
 * sends. Browsers disagree on how that Enter looks: Chrome and Firefox mark
 * it `isComposing`; Safari fires `compositionend` first and then a keydown
 * with `isComposing` false but `keyCode` 229. So all three are checked: the
 * event's flag, the composition seen on the textarea, and keyCode 229.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** True for a keydown that should send the draft; see the module comment. */
export function isSendKey(e: KeyboardEvent, composing = false): boolean {
  if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return false;
  return !(e.isComposing || composing || e.keyCode === 229);
}

/** The draft, the IME state and the typing signal of one composer. */
export class ComposerController implements ReactiveController {
  /** The text in the textarea. */
  text = '';
  private composing = false;
  private typing = false;

  /** `onTyping` hears `true` on every keystroke that types (the session throttles), `false` once when typing stops. */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onTyping: (typing: boolean) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    // Nothing to set up: the element binds the handlers below to its textarea.
  }

  /** Bind to `compositionstart`. */
  readonly compositionStart = (): void => {
    this.composing = true;
  };

  /** Bind to `compositionend`. */
  readonly compositionEnd = (): void => {
    this.composing = false;
  };

  /** True for a keydown that should send (Enter, not ending an IME composition). */
  sends(e: KeyboardEvent): boolean {
    return isSendKey(e, this.composing);
  }

  /** The textarea's text changed; `typing` says whether that counts as typing a message (default: it is not empty). */
  input(text: string, typing = text.length > 0): void {
    this.text = text;
    this.setTyping(typing);
    this.host.requestUpdate();
  }

  /** Replaces the draft (a canned reply, a reset). */
  set(text: string): void {
    this.text = text;
    this.host.requestUpdate();
  }

  /** Takes the draft to send: '' when it is blank; else the text, and the draft is emptied and typing stops. */
  take(): string {
    const text = this.text;
    if (!text.trim()) return '';
    this.text = '';
    this.setTyping(false);
    this.host.requestUpdate();
    return text;
  }

  /** Reports typing on (every time) or off (once). */
  setTyping(typing: boolean): void {
    if (!typing && !this.typing) return;
    this.typing = typing;
    this.onTyping(typing);
  }
}
