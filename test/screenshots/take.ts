/**
 * Screenshots of the open `<cs-chat>` widget on the demo shop, in English and
 * in Chinese, against the real built server and Debian's Chromium:
 *
 *   npm run build && node --import tsx test/screenshots/take.ts
 *
 * Writes test/screenshots/widget-en.png and widget-zh.png. The visitor is a
 * real page (the shop's one script tag); the agent "alice" is a protocol
 * client that claims the conversation and answers, so the panel shows both
 * sides, delivery states and agent presence. The Chinese run serves the shop
 * with `data-lang="zh-CN"` on its script tag. Chinese text needs a CJK font on
 * the machine (Debian: fonts-wqy-microhei or fonts-noto-cjk).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { cs } from '../../proto/gen/chat.js';
import { agentToken, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS } from '../e2e/harness.js';
import { ProtocolClient } from './inbox-client.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

interface Script {
  readonly lang: 'en' | 'zh-CN';
  readonly question: string;
  readonly answers: readonly string[];
  readonly followUp: string;
}

const scripts: readonly Script[] = [
  {
    lang: 'en',
    question: 'Hi! Does the linen throw come in sage green?',
    answers: ['Hi there! Yes – sage green is back in stock since Monday 🌿', 'Would you like the 130×170 cm or the 150×200 cm size?'],
    followUp: 'The bigger one, please. Can it ship by Friday?',
  },
  {
    lang: 'zh-CN',
    question: '你好，亚麻毯有鼠尾草绿色吗？',
    answers: ['您好！有的，鼠尾草绿色周一已经补货 🌿', '请问您需要 130×170 厘米还是 150×200 厘米的尺寸？'],
    followUp: '要大一点的，周五前能发货吗？',
  },
];

async function shoot(browser: Browser, shopUrl: string, alice: ProtocolClient, script: Script): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: script.lang, deviceScaleFactor: 1 });
  const page = await context.newPage();
  try {
    const zh = script.lang === 'zh-CN';
    if (zh) {
      // The same shop with data-lang="zh-CN" on its script tag (added as the parser inserts the tag).
      await page.addInitScript(() => {
        new MutationObserver((records) => {
          for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLScriptElement && n.src.includes('cs-chat')) n.dataset.lang = 'zh-CN';
        }).observe(document, { childList: true, subtree: true });
      });
    }
    await page.goto(shopUrl);
    const chat = page.locator('cs-chat');
    await chat.waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    await page.getByRole('button', { name: zh ? '打开聊天' : 'Open chat' }).click();
    const composer = page.getByRole('textbox', { name: zh ? '输入消息…' : 'Write a message…' });
    await composer.fill(script.question);
    await composer.press('Enter');
    await chat.locator('.msg.own .state[data-state="sent"], .msg.own .state[data-state="delivered"], .msg.own .state[data-state="read"]').first().waitFor({ timeout: UI_TIMEOUT_MS });

    const conversationId = await chat.evaluate((el) => (el as HTMLElementTagNameMap['cs-chat']).session?.primaryConversationId ?? '');
    if (!conversationId) throw new Error('the widget has no conversation id after its first message was acked');
    alice.act(conversationId, cs.v1.ActionKind.CLAIM);
    await chat.locator('.event').last().waitFor({ timeout: UI_TIMEOUT_MS });
    for (const answer of script.answers) {
      alice.say(answer, conversationId);
      await chat.getByText(answer).waitFor({ timeout: UI_TIMEOUT_MS });
    }
    await composer.fill(script.followUp);
    await composer.press('Enter');
    await chat.getByText(script.followUp).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.waitForTimeout(600);
    const file = join(here, `widget-${zh ? 'zh' : 'en'}.png`);
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
  } catch (err) {
    console.log(await page.evaluate(() => { const el = document.querySelector('cs-chat'); return JSON.stringify({ state: el?.session?.state, conv: el?.session?.primaryConversationId, server: el?.getAttribute('server'), html: document.querySelector('script[src*=cs-chat]')?.outerHTML }); }));
    await page.screenshot({ path: join(here, `failed-${script.lang}.png`) });
    throw err;
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist/server/main.js')) || !existsSync(join(root, 'dist/cs-chat.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const data = tempDataDir();
  const server = await startServerProcess(await freePort(), data.dir);
  const browser = await launchChromium();
  // An agent online: the header shows "Online" and the server sends no offline auto-reply.
  const alice = await ProtocolClient.connect(`${server.url.replace('http', 'ws')}/ws`, { token: agentToken('alice') });
  try {
    for (const script of scripts) await shoot(browser, `${server.url}/`, alice, script);
  } finally {
    alice.close();
    await browser.close();
    await server.stop();
    data.remove();
  }
}

await main();
