/**
 * Screenshots of the agent workbench with several conversations and of the
 * demo shop with the open widget, against the real built server:
 *
 *   npm run build && node --import tsx test/screenshots/inbox.ts
 *
 * Writes test/screenshots/inbox.png, inbox-canned.png, inbox-signin.png, inbox-shop.png,
 * the workbench at each width (inbox-1280.png, inbox-1024*.png, inbox-768*.png,
 * inbox-390-*.png) and the shop on a phone (shop-390*.png).
 * Visitors and a second agent are protocol clients; the agent "alice" and the
 * shop visitor are real pages.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { cs } from '../../proto/gen/chat.js';
import { signIdentity } from '../../server/src/gateway/auth.js';
import { agentToken, freePort, launchChromium, IDENTITY_SECRET, startServerProcess, tempDataDir, UI_TIMEOUT_MS } from '../e2e/harness.js';
import { ProtocolClient } from './inbox-client.js';

const out = fileURLToPath(new URL('.', import.meta.url));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function identity(userId: string, name: string, email: string) {
  return { userId, name, email, signature: signIdentity(IDENTITY_SECRET, userId) };
}

async function main(): Promise<void> {
  const data = tempDataDir();
  const server = await startServerProcess(await freePort(), data.dir);
  const wsUrl = `${server.url.replace('http', 'ws')}/ws`;
  const shopUrl = `${server.url}/`;
  const clients: ProtocolClient[] = [];
  const browser = await launchChromium();
  try {
    // A second agent online, so no offline auto-replies, and someone to transfer to.
    const bob = await ProtocolClient.connect(wsUrl, { token: agentToken('bob') });
    const alice = await ProtocolClient.connect(wsUrl, { token: agentToken('alice') });
    clients.push(bob, alice);

    const visitor = async (options: Parameters<typeof ProtocolClient.connect>[1], lines: string[]) => {
      const client = await ProtocolClient.connect(wsUrl, { pageUrl: shopUrl, pageTitle: 'Fern & Flint — Handmade goods for slow living', ...options });
      clients.push(client);
      for (const line of lines) {
        client.say(line);
        await pause(120);
      }
      return client;
    };

    const priya = await visitor({ identity: identity('cust_0877', 'Priya Natarajan', 'priya@example.org') }, ['Do you offer gift wrapping?']);
    await pause(300);
    alice.act(priya.conversationId, cs.v1.ActionKind.CLAIM);
    await pause(200);
    alice.say('Yes! Add a note at checkout and we wrap it in recycled paper for free.', priya.conversationId);
    priya.say('Perfect, thank you!');
    await pause(200);
    alice.act(priya.conversationId, cs.v1.ActionKind.RESOLVE);

    const jonas = await visitor({ identity: identity('cust_2210', 'Jonas Weber', 'jonas.weber@example.de'), topic: 'return-RMA-318' }, [
      'Can I return the linen throw if the colour does not match my sofa?',
    ]);
    bob.act(jonas.conversationId, cs.v1.ActionKind.CLAIM);
    await pause(200);
    bob.say('Of course, you have 30 days. I have started return RMA-318 for you.', jonas.conversationId);

    await visitor({ platform: 'ios', appVersion: '2.4.0', pageUrl: `${shopUrl}#help`, pageTitle: 'Help — Fern & Flint' }, [
      'Is the beeswax candle unscented? My daughter has allergies.',
    ]);
    await visitor({ topic: 'order-4471' }, ['Hi, where is my order #4471?', 'The email said 2–4 days and it has been a week.']);
    const maya = await visitor({ identity: identity('cust_1042', 'Maya Chen', 'maya.chen@example.com') }, [
      'Hi! Is the speckled stoneware mug dishwasher safe?',
    ]);
    await pause(400);
    alice.act(maya.conversationId, cs.v1.ActionKind.CLAIM);
    await pause(200);
    alice.say('Hi Maya! Yes, all our stoneware is dishwasher and microwave safe.', maya.conversationId);
    alice.say('Ordered 2 mugs last month. Offer the bundle discount if she asks about more.', maya.conversationId, cs.v1.MessageKind.NOTE);
    await pause(300);
    maya.say('Great, and do you ship to Canada?');

    const signIn = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn.goto(`${server.url}/agent`);
    await signIn.getByRole('textbox', { name: 'Email' }).fill('alice@shop.example');
    await signIn.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.getByRole('alert').waitFor({ timeout: UI_TIMEOUT_MS });
    await signIn.screenshot({ path: join(out, 'inbox-signin.png') });
    await signIn.close();

    const agent = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    await agent.getByRole('tab', { name: 'All' }).click();
    const mayaOption = agent.getByRole('option', { name: /Maya Chen/ });
    await mayaOption.waitFor({ timeout: UI_TIMEOUT_MS });
    await pause(1500); // coalesced inbox updates settle
    await mayaOption.click();
    await agent.getByRole('log', { name: 'Messages' }).getByText('do you ship to Canada?').waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('textbox', { name: 'Reply' }).fill('We do! Shipping to Canada is $12 and takes 5–7 business days.');
    await pause(400);
    await agent.screenshot({ path: join(out, 'inbox.png') });

    await agent.getByRole('textbox', { name: 'Reply' }).fill('/');
    await pause(200);
    await agent.screenshot({ path: join(out, 'inbox-canned.png') });
    await agent.getByRole('textbox', { name: 'Reply' }).fill('');
    await widths(agent);

    await shop(browser.newPage.bind(browser), shopUrl, agent);
    await phoneShop(browser.newPage.bind(browser), shopUrl);
    console.log(`screenshots written to ${out}`);
  } finally {
    for (const client of clients) client.close();
    await browser.close();
    await server.stop();
    data.remove();
  }
}

/**
 * The workbench at 1280, 1024, 768 and 390 px (issue 11): inbox-1280.png …;
 * at 1024 and 768 also the details pane, at 390 the list, the conversation
 * and the details panes (inbox-390-list.png, -thread, -details).
 */
async function widths(agent: Page): Promise<void> {
  const pane = (name: string) => agent.getByRole('toolbar', { name: 'Show' }).getByRole('button', { name, exact: true });
  for (const width of [1280, 1024, 768, 390]) {
    await agent.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await pause(300);
    if (width === 1280) {
      await agent.screenshot({ path: join(out, 'inbox-1280.png') });
      continue;
    }
    await pane('Conversation').click();
    await pause(200);
    await agent.screenshot({ path: join(out, width === 390 ? 'inbox-390-thread.png' : `inbox-${width}.png`) });
    await pane('Details').click();
    await pause(200);
    await agent.screenshot({ path: join(out, `inbox-${width}-details.png`) });
    if (width === 390) {
      await pane('Conversations').click();
      await pause(200);
      await agent.screenshot({ path: join(out, 'inbox-390-list.png') });
    }
    await pane('Conversation').click();
  }
  await agent.setViewportSize({ width: 1440, height: 900 });
}

/** The demo shop on a 390 px phone with the full-screen panel open (shop-390.png). */
async function phoneShop(newPage: (o: { viewport: { width: number; height: number }; isMobile: boolean; hasTouch: boolean }) => Promise<Page>, shopUrl: string): Promise<void> {
  const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(shopUrl);
  await page.screenshot({ path: join(out, 'shop-390-closed.png') });
  await page.getByRole('button', { name: 'Open chat' }).click();
  await page.getByRole('textbox', { name: 'Write a message…' }).fill('Do you have this in blue? See https://fern.example/p/throw');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('cs-chat').getByRole('link').first().waitFor({ timeout: UI_TIMEOUT_MS });
  await pause(600);
  await page.screenshot({ path: join(out, 'shop-390.png') });
}

/** The demo shop with the widget open after a short exchange with the agent page. */
async function shop(newPage: (o: { viewport: { width: number; height: number } }) => Promise<Page>, shopUrl: string, agent: Page): Promise<void> {
  const options = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
  const before = await options.count();
  const page = await newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(shopUrl);
  await page.getByRole('button', { name: 'Open chat' }).click();
  await page.getByRole('textbox', { name: 'Write a message…' }).fill('Hi! Does the terracotta planter come in a bigger size?');
  await page.getByRole('button', { name: 'Send' }).click();
  // The newest conversation is first.
  for (const deadline = Date.now() + UI_TIMEOUT_MS; (await options.count()) <= before; ) {
    if (Date.now() > deadline) throw new Error('the shop visitor never showed up in the inbox');
    await pause(100);
  }
  await options.first().click();
  await agent.getByRole('textbox', { name: 'Reply' }).fill('It does: a 22 cm version arrives next week. Want me to reserve one for you?');
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  await page.locator('cs-chat').getByText('22 cm version').waitFor({ timeout: UI_TIMEOUT_MS });
  await pause(600);
  await page.screenshot({ path: join(out, 'inbox-shop.png') });
}

await main();
