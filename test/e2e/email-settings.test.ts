/**
 * The workbench's "Business hours" and "Email" settings sections (issue 14),
 * real server process + Chromium: without SMTP the Email section says email
 * is off and how to turn it on; business hours typed as text are saved as
 * the JSON the server validates, a malformed range is refused before it is
 * sent, a time zone the server does not know gets its 400 message, and
 * nothing changes on a refusal; an agent's own alert choice is saved.
 * Axe finds nothing serious; screenshots at 1280 and 390.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ApiClient } from '../support/api-client.js';
import { assertAccessible, serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

interface HoursJson {
  enabled: boolean;
  timezone: string;
  weekly: Record<string, { open: string; close: string }[]>;
  exceptions: { date: string; label: string; hours: { open: string; close: string }[] }[];
}

describe('workbench settings: business hours and email', () => {
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let browser: Browser;
  let page: Page;
  const hours = async (): Promise<HoursJson> => (await owner.get<{ business_hours: HoursJson }>('/api/settings')).body.business_hours;
  const section = (name: string) => page.getByRole('region', { name });

  before(async () => {
    ({ server, owner, remove } = await serverWithOwner());
    browser = await launchChromium();
    page = await signedInPage(browser, owner);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remove?.();
  });

  it('without SMTP the Email section says email is off and how to turn it on', async () => {
    await page.goto(`${server.url}/agent/settings`);
    const email = section('Email');
    await email.getByText('Email is off: nothing is emailed').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await email.innerText(), /CS_SMTP_URL/);
    assert.match(await email.innerText(), /CS_MAIL_FROM/);
    await assertAccessible(page);
    await email.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('settings-email-1280.png') });
  });

  it('business hours: a bad range is refused before sending, an unknown zone by the server, a good week with a holiday is saved', async () => {
    const section_ = section('Business hours');
    const before = await hours();
    await section_.getByLabel('Monday').fill('9-5');
    await section_.getByRole('button', { name: 'Save' }).click();
    await section_.getByRole('alert').filter({ hasText: '"9-5" is not a time range such as 09:00-17:00' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual(await hours(), before, 'nothing sent, nothing changed');

    await section_.getByLabel('Monday').fill('09:00-12:00, 13:00-17:00');
    await section_.getByLabel('Time zone').fill('Mars/Olympus');
    await section_.getByRole('button', { name: 'Save' }).click();
    await section_.getByRole('alert').filter({ hasText: 'business_hours.timezone must be an IANA time zone' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual(await hours(), before, 'the server refused: nothing changed');

    await section_.getByLabel('Use business hours').check();
    await section_.getByLabel('Time zone').fill('Europe/Berlin');
    await section_.getByLabel('Friday').fill('09:00-17:00, 22:00-02:00');
    await section_.getByLabel('Holidays and special days').fill('2026-12-25 Christmas\n2026-12-24 09:00-12:00 Christmas Eve');
    await section_.getByRole('button', { name: 'Save' }).click();
    await section_.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const saved = await hours();
    assert.equal(saved.enabled, true);
    assert.equal(saved.timezone, 'Europe/Berlin');
    assert.deepEqual(saved.weekly.mon, [{ open: '09:00', close: '12:00' }, { open: '13:00', close: '17:00' }]);
    assert.deepEqual(saved.weekly.fri, [{ open: '09:00', close: '17:00' }, { open: '22:00', close: '02:00' }]);
    assert.deepEqual(saved.exceptions, [
      { date: '2026-12-24', label: 'Christmas Eve', hours: [{ open: '09:00', close: '12:00' }] },
      { date: '2026-12-25', label: 'Christmas', hours: [] },
    ]);
    await section_.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('settings-hours-1280.png') });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: shot('settings-hours-390.png'), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('an agent\'s own new-conversation alerts are saved for that account', async () => {
    const email = section('Email');
    const box = email.getByLabel('Email me about a new conversation while no agent is online');
    await box.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await box.isChecked(), true, 'on by default');
    await box.uncheck();
    await email.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual((await owner.get('/api/email/alerts')).body, { new_conversation: false });
  });
});
