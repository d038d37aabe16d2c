/**
 * Invites by email in the workbench (issue 12), real server process, real
 * SMTP server on loopback (test/helpers/smtp.ts) and Chromium: with email
 * on, the Team page mails an invite given an address, says so, and the
 * link in the mail signs the invitee up; the link is shown to copy too.
 * Without SMTP the form says email is off and the invite is a link.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { TestSmtp } from '../helpers/smtp.js';
import type { ApiClient } from '../support/api-client.js';
import { assertAccessible, serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

describe('invites by email on the Team page', () => {
  let smtp: TestSmtp;
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let plain: { server: ServerProcess; owner: ApiClient; remove: () => void };
  let browser: Browser;

  before(async () => {
    smtp = await TestSmtp.start();
    ({ server, owner, remove } = await serverWithOwner({ CS_SMTP_URL: smtp.url, CS_MAIL_FROM: 'Acme Support <support@acme.example>' }));
    plain = await serverWithOwner();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await plain?.server.stop();
    await smtp?.close();
    remove?.();
    plain?.remove();
  });

  it('mails the invite to the address given, says so, and the mailed link signs the invitee up', async () => {
    const page = await signedInPage(browser, owner);
    await page.goto(`${server.url}/agent/team`);
    const checkbox = page.getByLabel('Email the invite link to this address');
    await checkbox.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await checkbox.isChecked(), true, 'on by default when email is on');
    await page.getByLabel('Their email (optional)').fill('nina@shop.example');
    await page.getByRole('button', { name: 'Create invite link' }).click();
    await page.getByRole('status').filter({ hasText: 'Invite sent to nina@shop.example' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const shown = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
    assert.match(shown, /\/invite#code=/, 'the link is shown to copy as well');
    await page.screenshot({ path: shot('admin-team-invite-mailed-1280.png'), fullPage: true });
    await assertAccessible(page);

    const [mail] = await smtp.waitForMails(1);
    assert.deepEqual(mail!.envelopeTo, ['nina@shop.example']);
    const link = /(http:\/\/\S+\/invite#code=\S+)/.exec(mail!.parsed.text ?? '')?.[1] ?? '';
    assert.equal(link, shown, 'the mail carries the link the page showed');

    const invitee = await browser.newPage();
    await invitee.goto(link);
    await invitee.getByLabel('Your name').fill('Nina Agent');
    await invitee.getByLabel(/^Password/).fill('nina-password-1');
    await invitee.getByRole('button', { name: 'Join and sign in' }).click();
    await invitee.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.reload();
    await page.locator('li[data-account="nina@shop.example"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await invitee.close();

    await page.getByLabel('Their email (optional)').fill('omar@shop.example');
    await page.getByLabel('Email the invite link to this address').uncheck();
    await page.getByRole('button', { name: 'Create invite link' }).click();
    await page.getByRole('textbox', { name: 'Invite link' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.getByRole('status').filter({ hasText: 'Invite sent' }).count(), 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(smtp.mails.length, 1, 'unchecked: nothing mailed');
    await page.close();
  });

  it('without SMTP the form says email is off and the invite is a link', async () => {
    const page = await signedInPage(browser, plain.owner, 390);
    await page.goto(`${plain.server.url}/agent/team`);
    await page.getByText('Email is off on this server, so invites are not mailed').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.getByLabel('Email the invite link to this address').count(), 0);
    await page.getByLabel('Their email (optional)').fill('pat@shop.example');
    await page.getByRole('button', { name: 'Create invite link' }).click();
    assert.match(await page.getByRole('textbox', { name: 'Invite link' }).inputValue({ timeout: UI_TIMEOUT_MS }), /\/invite#code=/);
    await page.screenshot({ path: shot('admin-team-invite-off-390.png'), fullPage: true });
    await page.close();
  });
});
