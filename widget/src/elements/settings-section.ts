/**
 * The base of a settings section (admin-settings.ts): it gets the whole
 * settings document, saves a partial change of its own keys, and tells the
 * page the new document (`cs-settings`) so every section shows what is in
 * force. A refused change (the server's validation) leaves the stored
 * settings as they were and shows the message in the section.
 *
 * @fires cs-settings - The settings document after a saved change (`detail`).
 */
import type { SettingsJson } from './admin-api.js';
import { AdminPageElement } from './admin-page.js';

export abstract class SettingsSection extends AdminPageElement {
  static override properties = { ...AdminPageElement.properties, settings: { attribute: false } };

  /** The settings in force. */
  declare settings: SettingsJson;

  protected async load(): Promise<void> {}

  /** Saves `patch`; true when the server took it. */
  protected save(patch: Record<string, unknown>): Promise<boolean> {
    return this.run(
      () => this.t.saved,
      async () => {
        const next = await this.api.updateSettings(patch);
        this.dispatchEvent(new CustomEvent<SettingsJson>('cs-settings', { detail: next, bubbles: true, composed: true }));
      },
    );
  }
}

/** Lines of a textarea as a list: trimmed, empty lines dropped. */
export function lines(text: string): string[] {
  return text.split('\n').map((s) => s.trim()).filter(Boolean);
}
