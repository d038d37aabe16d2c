/**
 * `<cs-chat>`'s "Get the reply by email" field and away header (issue 14) in
 * real Chromium against a fake session: offered only with email on, never
 * before the visitor's first message, while away at once or after the delay
 * without an agent reply, not when an email is known (left or from the
 * site), skippable for good, a bad address refused in place, a good one sent
 * as Contact and confirmed once the server echoes it; the header says when
 * the team is back.
 */
import { backAtText } from '../../widget/src/core/back-at.js';
import type { CsChat } from '../../widget/src/elements/cs-chat.js';
import { FakeSession, item } from './elements-fake-session.js';
import { $, afterEachCleanup, equal, mount, ok, openPanel, until } from './elements-helpers.js';

afterEach(() => {
  afterEachCleanup();
  localStorage.clear();
});

/** A session whose Welcome says email is on (ask after `askMs`) and `agentsOnline` agents can answer. */
async function chat(askMs: number, agentsOnline: number, extra: { nextOpenMs?: number } = {}): Promise<{ el: CsChat; session: FakeSession }> {
  const session = new FakeSession();
  const { el } = await mount({}, session);
  session.emit('welcome', { userId: 'v1', name: '', agentsOnline, askEmailAfterMs: askMs, ...extra });
  await openPanel(el);
  return { el, session };
}

const field = (el: CsChat): HTMLInputElement | null => $(el, '.email-ask input') as HTMLInputElement | null;

describe('<cs-chat> email capture', () => {
  it('is never offered before the first message, and is offered at once after it while away', async () => {
    const { el, session } = await chat(120_000, 0);
    await el.updateComplete;
    equal(field(el), null, 'no field before the visitor wrote');
    session.push(item({ text: 'Anyone there?', own: true }));
    await until(() => field(el), 'the field after the first message while away');
  });

  it('without email on (askEmailAfterMs 0) nothing is offered', async () => {
    const { el, session } = await chat(0, 0);
    session.push(item({ text: 'Hello', own: true }));
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 100));
    equal(field(el), null, 'nothing promised without email');
  });

  it('with an agent online: only once no agent replied within the delay', async () => {
    const { el, session } = await chat(300, 1);
    session.push(item({ text: 'Question', own: true, timeMs: Date.now() }));
    await el.updateComplete;
    equal(field(el), null, 'not before the delay');
    await until(() => field(el), 'offered after the delay without a reply', 3000);
  });

  it('not offered when an agent answered within the delay', async () => {
    const { el, session } = await chat(300, 1);
    session.push(item({ text: 'Question', own: true, timeMs: Date.now() }), item({ text: 'Hi! Looking now.' }));
    await new Promise((r) => setTimeout(r, 600));
    await el.updateComplete;
    equal(field(el), null, 'answered: no field');
  });

  it('a bad address is refused in place and nothing is sent; a good one is sent as Contact and confirmed on the echo', async () => {
    const { el, session } = await chat(120_000, 0);
    session.push(item({ text: 'Hello', own: true }));
    await until(() => field(el), 'field');
    field(el)!.value = 'ann@';
    ($(el, '.email-save') as HTMLButtonElement).click();
    await until(() => $(el, '.email-error'), 'error shown');
    ok($(el, '.email-error')!.textContent!.includes('Enter an email address'), 'says what to type');
    equal(session.calledWith('contact').length, 0, 'nothing sent');
    field(el)!.value = 'ann@example.com';
    ($(el, '.email-save') as HTMLButtonElement).click();
    await until(() => session.calledWith('contact').length === 1, 'Contact sent');
    equal(session.calledWith('contact')[0]!.args[1], 'ann@example.com', 'the address');
    session.emit('contact', { conversationId: 'c1', email: 'ann@example.com' });
    await until(() => $(el, '.email-saved'), 'confirmation');
    ok($(el, '.email-saved')!.textContent!.includes('We will email the reply to ann@example.com.'), 'confirmation text');
    equal(field(el), null, 'the field is gone');
  });

  it('the server\'s refusal is shown', async () => {
    const { el, session } = await chat(120_000, 0);
    session.push(item({ text: 'Hello', own: true }));
    await until(() => field(el), 'field');
    field(el)!.value = 'ann@example.com';
    ($(el, '.email-save') as HTMLButtonElement).click();
    session.emit('error', { code: 1, message: '"ann@example.com" is not a valid email address', fatal: false, ref: 'contact' });
    await until(() => $(el, '.email-error')?.textContent?.includes('not a valid email address'), 'server message shown');
  });

  it('skipping hides it for this conversation, also after a reload', async () => {
    const { el, session } = await chat(120_000, 0);
    session.push(item({ text: 'Hello', own: true }));
    await until(() => field(el), 'field');
    ($(el, '.email-skip') as HTMLButtonElement).click();
    await until(() => !field(el), 'skipped');
    afterEachCleanup();
    const again = await chat(120_000, 0);
    again.session.push(item({ text: 'Hello again', own: true }));
    await again.el.updateComplete;
    await new Promise((r) => setTimeout(r, 100));
    equal(field(again.el), null, 'still skipped after a reload');
  });

  it('the header says when the team is back, in the reader\'s zone', async () => {
    const back = Date.now() + 2 * 86_400_000;
    const { el } = await chat(120_000, 0, { nextOpenMs: back });
    await until(() => $(el, '.presence')?.textContent?.includes('Back at'), 'back-at header');
    equal($(el, '.presence')!.textContent!.trim(), backAtText(back, Date.now(), 'en'), 'the same words as core/back-at.ts');
  });
});
