/**
 * Invites by email (issue 12), against a real server and a real SMTP server
 * on loopback (test/helpers/smtp.ts): with outbound email on, an invite
 * that names an email is mailed to the invitee and the link in the mail
 * signs them up; the link is always in the answer too, so a refusing or
 * absent mail server never blocks an invite. Bad input is refused with the
 * documented status and nothing is made.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient, type AccountJson, type ErrorBody } from '../support/api-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestSmtp } from '../helpers/smtp.js';

const OWNER = { name: 'Olivia Owner', email: 'olivia@shop.example', password: 'owner-password-1' };

interface InviteAnswer {
  readonly url: string;
  readonly invite: { readonly id: string; readonly email: string };
  readonly mail: { readonly sent: boolean; readonly to: string; readonly problem: string };
}

function expectError(answer: { status: number; body: unknown }, status: number, code: string): string {
  const body = answer.body as ErrorBody;
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0);
  return body.error.message;
}

async function ownerOf(server: TestServer): Promise<ApiClient> {
  await server.accounts.createOwner(OWNER);
  const owner = new ApiClient(server.url);
  await owner.login(OWNER.email, OWNER.password);
  return owner;
}

const pending = async (owner: ApiClient): Promise<number> => (await owner.get<{ invites: unknown[] }>('/api/invites')).body.invites.length;

describe('invites mailed when SMTP is configured', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let owner: ApiClient;

  before(async () => {
    smtp = await TestSmtp.start();
    server = await startTestServer({ smtpUrl: smtp.url, mailFrom: 'Acme Support <support@acme.example>' });
    owner = await ownerOf(server);
    await owner.patch('/api/settings', { widget: { title: 'Acme' } });
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  test('an invite naming an email is mailed; the link in the mail signs the invitee up, once', async () => {
    const made = await owner.post<InviteAnswer>('/api/invites', { role: 'agent', email: 'bob@shop.example' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(made.body.mail, { sent: true, to: 'bob@shop.example', problem: '' });
    const [mail] = await smtp.waitForMails(1);
    assert.deepEqual(mail!.envelopeTo, ['bob@shop.example']);
    assert.equal(mail!.parsed.subject, 'Olivia Owner invited you to the Acme support team');
    assert.match(mail!.header('From'), /support@acme\.example/);
    assert.equal(mail!.header('Auto-Submitted'), 'auto-generated');
    const text = mail!.parsed.text ?? '';
    assert.ok(text.includes(made.body.url), 'the plain text carries the same link the workbench shows');
    assert.ok(String(mail!.parsed.html).includes(made.body.url.replace(/&/g, '&amp;')), 'the HTML button links there too');

    const link = /(http:\/\/\S+\/invite#code=\S+)/.exec(text)?.[1] ?? '';
    const code = new URL(link).hash.replace('#code=', '');
    const bob = new ApiClient(server.url);
    const accepted = await bob.post<{ account: AccountJson }>('/api/invites/accept', { code, name: 'Bob Builder', password: 'long-enough-pw' });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.equal(accepted.body.account.email, 'bob@shop.example');
    expectError(await new ApiClient(server.url).post('/api/invites/accept', { code, name: 'Eve', password: 'long-enough-pw' }), 404, 'not_found');
  });

  test('in Chinese when the inviter works in Chinese', async () => {
    const me = (await owner.get<{ account: AccountJson }>('/api/me')).body.account;
    assert.equal((await owner.patch(`/api/accounts/${me.id}`, { lang: 'zh-CN' })).status, 200);
    const before = smtp.mails.length;
    const made = await owner.post<InviteAnswer>('/api/invites', { role: 'admin', email: 'wang@shop.example' });
    assert.equal(made.body.mail.sent, true);
    const mail = (await smtp.waitForMails(before + 1))[before]!;
    assert.equal(mail.parsed.subject, 'Olivia Owner 邀请您加入 Acme 客服团队');
    assert.match(mail.parsed.text ?? '', /以管理员身份/);
    await owner.patch(`/api/accounts/${me.id}`, { lang: '' });
  });

  test('send_email: false, or no email, mails nothing and still gives the link', async () => {
    const before = smtp.mails.length;
    const quiet = await owner.post<InviteAnswer>('/api/invites', { role: 'agent', email: 'carol@shop.example', send_email: false });
    assert.equal(quiet.status, 201);
    assert.equal(quiet.body.mail.sent, false);
    assert.match(quiet.body.url, /\/invite#code=/);
    const bare = await owner.post<InviteAnswer>('/api/invites', { role: 'agent' });
    assert.equal(bare.status, 201);
    assert.deepEqual(bare.body.mail, { sent: false, to: '', problem: 'no email given' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(smtp.mails.length, before, 'no mail went out');
  });

  test('a mail server that refuses: the invite is made, the answer says so and gives the link', async () => {
    smtp.refuseWith = 550;
    try {
      const made = await owner.post<InviteAnswer>('/api/invites', { role: 'agent', email: 'dave@shop.example' });
      assert.equal(made.status, 201);
      assert.equal(made.body.mail.sent, false);
      assert.match(made.body.mail.problem, /refused.*550.*copy the link/);
      const invites = (await owner.get<{ invites: { id: string }[] }>('/api/invites')).body.invites;
      assert.ok(invites.some((i) => i.id === made.body.invite.id), 'the invite exists: the link works');
    } finally {
      smtp.refuseWith = 0;
    }
  });

  test('bad input: send_email of the wrong type, or without an email, is 400 and makes nothing', async () => {
    const count = await pending(owner);
    const before = smtp.mails.length;
    expectError(await owner.post('/api/invites', { role: 'agent', email: 'erin@shop.example', send_email: 'yes' }), 400, 'bad_request');
    expectError(await owner.post('/api/invites', { role: 'agent', send_email: true }), 400, 'bad_request');
    expectError(await owner.post('/api/invites', { role: 'agent', email: '  ', send_email: true }), 400, 'bad_request');
    expectError(await owner.post('/api/invites', { role: 'agent', email: 'not-an-email', send_email: true }), 400, 'bad_request');
    assert.equal(await pending(owner), count, 'no invite was made');
    assert.equal(smtp.mails.length, before, 'no mail went out');
  });
});

describe('invites without SMTP', () => {
  let server: TestServer;
  let owner: ApiClient;

  before(async () => {
    server = await startTestServer();
    owner = await ownerOf(server);
  });
  after(async () => {
    await server.close();
  });

  test('an invite with an email is a copyable link and says email is off; asking to mail it is 409 and makes nothing', async () => {
    const made = await owner.post<InviteAnswer>('/api/invites', { role: 'agent', email: 'bob@shop.example' });
    assert.equal(made.status, 201);
    assert.equal(made.body.mail.sent, false);
    assert.match(made.body.mail.problem, /email is off/);
    assert.match(made.body.url, /\/invite#code=/);
    const count = await pending(owner);
    const message = expectError(await owner.post('/api/invites', { role: 'agent', email: 'carol@shop.example', send_email: true }), 409, 'conflict');
    assert.match(message, /email is off.*CS_SMTP_URL/);
    assert.equal(await pending(owner), count);
  });
});
