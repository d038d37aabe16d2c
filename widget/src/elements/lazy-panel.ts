/**
 * `<cs-chat>`'s side of the lazy panel (chunks.ts): loads the `panel` chunk
 * when the page is idle or on first open, whichever comes first, makes the
 * {@link ChatPanel} from it and adds its styles to the shadow root. A load
 * that fails (offline, a 404 during a deploy) is shown in the panel ("could
 * not load, trying again"), retried with backoff, at once when the browser
 * comes back online, and by the visitor's Retry button. Nothing is lost
 * meanwhile: the session runs in cs-chat.js and the outbox is in IndexedDB.
 */
import { supportsAdoptingStyleSheets, type CSSResult, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { loadChunk, preloadChunks } from '../chunks.js';
import type { Disposer } from '../core/types.js';
import type { ChatController } from './chat-controller.js';
import type { ChatPanel, PanelHost } from './chat-panel.js';

/** Where the panel's code is. */
export const PanelState = { Idle: 'idle', Loading: 'loading', Failed: 'failed', Ready: 'ready' } as const;
export type PanelState = (typeof PanelState)[keyof typeof PanelState];

/** First retry after a failed load, ms; doubles up to {@link RETRY_MAX_MS}. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** Loads and holds the panel of one `<cs-chat>`. */
export class LazyPanel implements ReactiveController {
  state: PanelState = PanelState.Idle;
  /** The panel, once its chunk is loaded. */
  panel: ChatPanel | undefined;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private cancelPreload: Disposer | undefined;

  constructor(
    private readonly host: PanelHost & ReactiveControllerHost,
    private readonly chat: ChatController,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (!this.panel) this.cancelPreload = preloadChunks(['panel']);
    addEventListener('online', this.onOnline);
  }

  hostDisconnected(): void {
    this.cancelPreload?.();
    this.cancelPreload = undefined;
    clearTimeout(this.retryTimer);
    removeEventListener('online', this.onOnline);
  }

  /** Loads the panel unless it is loaded or loading; resolves when done (either way). */
  async load(): Promise<void> {
    if (this.panel || this.state === PanelState.Loading) return;
    clearTimeout(this.retryTimer);
    this.set(PanelState.Loading);
    try {
      const chunk = await loadChunk('panel');
      if (!this.panel) {
        addStyles(this.host.renderRoot, chunk.panelStyles);
        this.panel = chunk.createPanel(this.host, this.chat);
      }
      this.failures = 0;
      this.set(PanelState.Ready);
    } catch (error) {
      console.warn('cs-chat: the chat panel could not be loaded; retrying', error);
      this.set(PanelState.Failed);
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.failures++);
      this.retryTimer = setTimeout(() => void this.load(), delay);
    }
  }

  private set(state: PanelState): void {
    this.state = state;
    this.host.requestUpdate();
  }

  private onOnline = (): void => {
    if (this.state === PanelState.Failed) void this.load();
  };
}

/** Adds styles to a shadow root after the element's own (`adoptedStyleSheets`, or `<style>` where unsupported). */
function addStyles(root: HTMLElement | DocumentFragment, results: readonly CSSResult[]): void {
  if (supportsAdoptingStyleSheets && root instanceof ShadowRoot) {
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, ...results.map((s) => s.styleSheet!)];
    return;
  }
  for (const s of results) {
    const style = document.createElement('style');
    style.textContent = s.cssText;
    root.appendChild(style);
  }
}
