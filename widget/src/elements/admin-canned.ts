/**
 * `<cs-admin-canned>`: the canned replies page. Everyone sees the saved
 * answers (the composer offers them after `/`); admins add, edit and delete
 * them. The server checks the shortcut (1–32 letters, digits, - or _, not
 * taken) and the text; a refusal keeps what was stored.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { CannedJson } from './admin-api.js';
import { AdminPageElement } from './admin-page.js';

export class CsAdminCanned extends AdminPageElement {
  static override properties = { ...AdminPageElement.properties, editable: { type: Boolean }, replies: { state: true }, editing: { state: true } };

  /** Admins: add, edit, delete. */
  declare editable: boolean;
  declare private replies: CannedJson[];
  /** The id of the reply being edited ('' for none). */
  declare private editing: string;

  constructor() {
    super();
    this.editable = false;
    this.replies = [];
    this.editing = '';
  }

  protected async load(): Promise<void> {
    this.replies = await this.api.canned();
  }

  private fields(form: HTMLFormElement): { shortcut: string; text: string } {
    const data = new FormData(form);
    return { shortcut: String(data.get('shortcut') ?? '').trim().replace(/^\//, ''), text: String(data.get('text') ?? '') };
  }

  private add(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const { shortcut, text } = this.fields(form);
    void this.run(
      () => this.t.saved,
      async () => {
        await this.api.createCanned(shortcut, text);
        form.reset();
        this.replies = await this.api.canned();
      },
    );
  }

  private saveEdit(e: SubmitEvent, reply: CannedJson): void {
    e.preventDefault();
    void this.run(
      () => this.t.saved,
      async () => {
        await this.api.updateCanned(reply.id, this.fields(e.target as HTMLFormElement));
        this.editing = '';
        this.replies = await this.api.canned();
      },
    );
  }

  private removeReply(reply: CannedJson): void {
    if (!confirm(this.t.confirmRemoveCanned(reply.shortcut))) return;
    void this.run('', async () => {
      await this.api.removeCanned(reply.id);
      this.replies = await this.api.canned();
    });
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`<div style="display:grid;gap:16px">
      ${this.renderStatus()}
      ${this.editable
        ? html`<section class="card" aria-labelledby="c-new">
            <h2 id="c-new">${t.addCanned}</h2>
            <p class="hint">${t.cannedHint}</p>
            ${this.renderForm((e) => this.add(e), { shortcut: '', text: '' }, 'new', t.addCanned)}
          </section>`
        : nothing}
      <section class="card" aria-labelledby="c-list">
        <h2 id="c-list">${t.cannedReplies}</h2>
        ${this.editable ? nothing : html`<p class="hint">${t.cannedHint}</p>`}
        ${this.replies.length === 0 ? html`<p class="muted">${t.noCanned}</p>` : nothing}
        <ul class="list" aria-label=${t.cannedReplies}>
          ${this.replies.map((r) =>
            this.editing === r.id
              ? html`<li style="display:block">${this.renderForm((e) => this.saveEdit(e, r), r, r.id, t.save, true)}</li>`
              : html`<li data-shortcut=${r.shortcut}>
                  <span class="who"><b>/${r.shortcut}</b><span style="white-space:pre-wrap">${r.text}</span></span>
                  ${this.editable
                    ? html`<span class="actions">
                        <button type="button" class="small" aria-label=${`${t.edit} /${r.shortcut}`} ?disabled=${this.busy} @click=${() => (this.editing = r.id)}>${t.edit}</button>
                        <button type="button" class="small danger" aria-label=${`${t.remove} /${r.shortcut}`} ?disabled=${this.busy} @click=${() => this.removeReply(r)}>${t.remove}</button>
                      </span>`
                    : nothing}
                </li>`,
          )}
        </ul>
      </section>
    </div>`;
  }

  private renderForm(onSubmit: (e: SubmitEvent) => void, value: { shortcut: string; text: string }, id: string, submit: string, cancel = false): TemplateResult {
    const t = this.t;
    return html`<form @submit=${onSubmit}>
      <label>${t.shortcut} <input id=${`shortcut-${id}`} name="shortcut" required maxlength="33" autocomplete="off" placeholder="shipping" .value=${value.shortcut} /></label>
      <label>${t.text} <textarea id=${`text-${id}`} name="text" required rows="3" maxlength="2000" .value=${value.text}></textarea></label>
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${this.busy}>${submit}</button>
        ${cancel ? html`<button type="button" @click=${() => (this.editing = '')}>${t.cancel}</button>` : nothing}
      </div>
    </form>`;
  }
}

if (!customElements.get('cs-admin-canned')) customElements.define('cs-admin-canned', CsAdminCanned);

declare global {
  interface HTMLElementTagNameMap {
    'cs-admin-canned': CsAdminCanned;
  }
}
