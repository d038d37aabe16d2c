/**
 * A real `<cs-chat>` widget on the demo shop in Chromium, loaded through the
 * chaos proxy (so its WebSocket gets the same cuts, delays and restarts),
 * driven like a visitor: the composer is found by role and name, messages go
 * out with the Send button, and the page is reloaded mid-send.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bubbleTexts, visitorLog } from '../e2e/harness.js';

/** How long one UI step may take, ms (the server may be down meanwhile). */
const STEP_TIMEOUT_MS = 15_000;
/** Attempts at loading the page while the server restarts. */
const LOAD_ATTEMPTS = 40;

export class WidgetVisitor {
  /** Every text sent with the composer, in order. */
  readonly sent: string[] = [];
  reloads = 0;
  /** Failed messages the test retried with the Retry button, as a user would. */
  retries = 0;
  private constructor(
    readonly name: string,
    private readonly context: BrowserContext,
    readonly page: Page,
    private readonly url: string,
  ) {}

  /** Opens the demo shop at `url` in a fresh browser context and opens the chat panel. */
  static async open(browser: Browser, name: string, url: string): Promise<WidgetVisitor> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const widget = new WidgetVisitor(name, context, page, url);
    await widget.load(() => page.goto(url));
    return widget;
  }

  /** Types `text` into the composer and presses Send; resolves once its bubble shows. */
  async send(text: string): Promise<void> {
    const input = this.page.locator('cs-chat').getByRole('textbox', { name: 'Write a message…' });
    await input.fill(text);
    await this.page.locator('cs-chat').getByRole('button', { name: 'Send' }).click();
    this.sent.push(text);
    await visitorLog(this.page).locator('.bubble', { hasText: text }).first().waitFor();
  }

  /** Sends `text` and reloads the page while it is still in flight (shown, maybe not yet acked). */
  async sendThenReload(text: string): Promise<void> {
    await this.send(text);
    this.reloads += 1;
    await this.load(() => this.page.reload());
  }

  /** Messages of the widget still waiting for their Ack (or failed). */
  async unsettled(): Promise<{ sending: number; failed: number }> {
    const log = visitorLog(this.page);
    return { sending: await log.locator('[data-state="sending"]').count(), failed: await log.locator('[data-state="failed"]').count() };
  }

  /** Presses Retry on every failed message (what a user does). */
  async retryFailed(): Promise<void> {
    const buttons = visitorLog(this.page).getByRole('button', { name: 'Retry' });
    for (let n = await buttons.count(); n > 0; n -= 1) {
      await buttons.first().click();
      this.retries += 1;
    }
  }

  /** The bubble texts on screen, in order. */
  screenTexts(): Promise<string[]> {
    return bubbleTexts(visitorLog(this.page));
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  /** Loads (or reloads) the page until it answers (the server may be restarting), then opens the chat. */
  private async load(navigate: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await navigate();
        break;
      } catch (error) {
        if (attempt >= LOAD_ATTEMPTS) throw new Error(`${this.name}: the demo page did not load: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 250));
        navigate = () => this.page.goto(this.url);
      }
    }
    const launcher = this.page.locator('cs-chat').getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    await launcher.click();
    await this.page.locator('cs-chat').getByRole('textbox', { name: 'Write a message…' }).waitFor();
  }
}
