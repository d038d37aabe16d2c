/**
 * What the workbench admin suites share: a server whose owner is set up
 * through the API, browser pages signed in by that session's cookie, the
 * screenshot path convention (test/screenshots/ only with CS_SCREENSHOTS=1)
 * and the axe check.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '../support/api-client.js';
import { describeViolations, seriousViolations } from './axe.js';
import { eventually, freePort, startServerProcess, tempDataDir, type ServerProcess } from './harness.js';

/** Where a screenshot goes: test/screenshots/ with CS_SCREENSHOTS=1, else the temp folder. */
export const shot = (name: string): string => join(process.env.CS_SCREENSHOTS ? 'test/screenshots' : tmpdir(), name);

export const OWNER = { name: 'Olivia Owner', email: 'olivia@shop.example', password: 'owner-password-1' };

/** A server on a temp data dir with its owner made from the printed setup link (`owner` is signed in). */
export async function serverWithOwner(env: Record<string, string> = {}): Promise<{ server: ServerProcess; owner: ApiClient; remove: () => void }> {
  const data = tempDataDir();
  const server = await startServerProcess(await freePort(), data.dir, env);
  await eventually(() => assert.match(server.output(), /setup#code=/));
  const code = /setup#code=([\w-]+)/.exec(server.output())?.[1] ?? '';
  const owner = new ApiClient(server.url);
  const made = await owner.post('/api/setup', { code, ...OWNER });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { server, owner, remove: data.remove };
}

/** An account made by invite through the API, signed in as an ApiClient. */
export async function invited(owner: ApiClient, person: { name: string; email: string; password: string }, role = 'agent'): Promise<ApiClient> {
  const invite = await owner.post<{ url: string }>('/api/invites', { role });
  assert.equal(invite.status, 201);
  const code = new URL(invite.body.url).hash.replace('#code=', '');
  const client = new ApiClient(owner.baseUrl);
  const accepted = await client.post('/api/invites/accept', { code, ...person });
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  return client;
}

/** A browser page (own context, `width` px wide) signed in with `client`'s session cookie. */
export async function signedInPage(browser: Browser, client: ApiClient, width = 1280, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale });
  await context.addCookies([{ name: 'cs_session', value: client.cookie, url: client.baseUrl }]);
  return context.newPage();
}

/** Fails with axe's findings when the page has a serious or critical violation. */
export async function assertAccessible(page: Page): Promise<void> {
  const violations = await seriousViolations(page);
  assert.equal(violations.length, 0, describeViolations(violations));
}
