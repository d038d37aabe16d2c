/** Attachments, HTTP side (issue 13): upload cap, sniffing, dedup, idempotency, quota, signed URLs and serving headers. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signFileUrl } from '../../server/src/files/index.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';
import { fixtures } from '../support/files.js';

const CAP = 64 * 1024;
const QUOTA = 200 * 1024;
let server: TestServer;
let visitor: ProtoClient;
let token: string;
let conversationId: string;

interface UploadAnswer {
  status: number;
  headers: Headers;
  json: { id?: string; name?: string; mime?: string; size?: number; width?: number; height?: number; url?: string; error?: { code: string; message: string; max_bytes?: number } };
}

async function upload(body: Uint8Array, options: { name?: string; key?: string; token?: string; conversation?: string } = {}): Promise<UploadAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(options.name ?? 'file.bin') };
  if (options.token !== '') headers.authorization = `Bearer ${options.token ?? token}`;
  if (options.key) headers['x-client-msg-id'] = options.key;
  const res = await fetch(`${server.url}/api/uploads?conversation=${encodeURIComponent(options.conversation ?? conversationId)}`, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer> });
  return { status: res.status, headers: res.headers, json: (await res.json()) as UploadAnswer['json'] };
}

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const keys = { secret: TEST_SECRET, previousSecret: '', identitySecret: '', previousIdentitySecret: '' };

function assertFileHeaders(res: Response): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-security-policy') ?? '', /^sandbox/);
  assert.match(res.headers.get('cache-control') ?? '', /^private/);
}

before(async () => {
  server = await startTestServer({ maxUploadBytes: CAP, uploadQuotaBytesPerHour: QUOTA });
  visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
  token = visitor.welcome!.token!;
  conversationId = visitor.conversationId;
});
after(async () => {
  await visitor.close();
  await server.close();
});

describe('POST /api/uploads', () => {
  test('a PNG is stored with its sniffed type, its dimensions and a signed URL', async () => {
    const answer = await upload(fixtures.png(3, 2), { name: 'shot.png', key: 'k-png' });
    assert.equal(answer.status, 201);
    assert.equal(answer.json.mime, 'image/png');
    assert.deepEqual([answer.json.width, answer.json.height], [3, 2]);
    assert.equal(answer.json.name, 'shot.png');
    assert.match(answer.json.url ?? '', /^\/files\/f_[\w-]+\?exp=\d+&sig=[\w-]+$/);
  });

  test('sniffs the bytes, not the name or Content-Type: HTML named .png is refused with 415 and a clear message', async () => {
    const answer = await upload(new TextEncoder().encode('<!doctype html><script>alert(1)</script>'), { name: 'cat.png' });
    assert.equal(answer.status, 415);
    assert.equal(answer.json.error?.code, 'unsupported_type');
    assert.match(answer.json.error?.message ?? '', /not allowed.*HTML/);
    const svg = await upload(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'), { name: 'a.txt' });
    assert.equal(svg.status, 415);
    const exe = await upload(Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0]), { name: 'setup.pdf' });
    assert.equal(exe.status, 415);
    const zip = await upload(fixtures.zip([['evil.js', 'alert(1)']]), { name: 'report.docx' });
    assert.equal(zip.status, 415);
    await waitUntil(() => server.files.store.tempFiles().length === 0);
  });

  test('accepts the allow-list: JPEG, GIF, WebP, HEIC, PDF, text, CSV, docx, xlsx, odt', async () => {
    const cases: Array<[Uint8Array, string, string]> = [
      [fixtures.jpeg(640, 480), 'a.jpg', 'image/jpeg'],
      [fixtures.gif(5, 7), 'a.gif', 'image/gif'],
      [fixtures.webp(9, 4), 'a.webp', 'image/webp'],
      [fixtures.heic(), 'IMG_0001.HEIC', 'image/heic'],
      [fixtures.pdf(), 'invoice.pdf', 'application/pdf'],
      [new TextEncoder().encode('Order 1234 arrived broken.\nPlease help.\n'), 'notes.txt', 'text/plain'],
      [new TextEncoder().encode('sku,qty\nA-1,2\n'), 'order.csv', 'text/csv'],
      [fixtures.zip([['[Content_Types].xml', '<Types/>'], ['word/document.xml', '<w:document/>']]), 'letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      [fixtures.zip([['[Content_Types].xml', '<Types/>'], ['xl/workbook.xml', '<workbook/>']]), 'sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      [fixtures.zip([['mimetype', 'application/vnd.oasis.opendocument.text'], ['content.xml', '<office/>']]), 'letter.odt', 'application/vnd.oasis.opendocument.text'],
    ];
    for (const [bytes, name, mime] of cases) {
      const answer = await upload(bytes, { name });
      assert.equal(answer.status, 201, `${name}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.mime, mime, name);
    }
    const jpeg = await upload(fixtures.jpeg(640, 480), { name: 'b.jpg' });
    assert.deepEqual([jpeg.json.width, jpeg.json.height], [640, 480]);
  });

  test('the same bytes are stored once on disk (content hash), as two attachments', async () => {
    const bytes = fixtures.png(11, 13);
    const first = await upload(bytes, { name: 'one.png' });
    const second = await upload(bytes, { name: 'two.png' });
    assert.notEqual(first.json.id, second.json.id);
    const rows = [server.files.store.get(first.json.id!)!, server.files.store.get(second.json.id!)!];
    assert.equal(rows[0]!.hash, rows[1]!.hash);
    assert.equal(server.files.store.storedHashes().filter((h) => h === rows[0]!.hash).length, 1);
  });

  test('a retried upload with the same client message id stores nothing new and answers with the first', async () => {
    const before = server.files.store.bytesUploadedSince(visitor.welcome!.userId!, 0);
    const first = await upload(fixtures.png(4, 4), { name: 'retry.png', key: 'msg-retry-1' });
    const again = await upload(fixtures.png(4, 4), { name: 'retry.png', key: 'msg-retry-1' });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.json.id, first.json.id);
    assert.equal(server.files.store.bytesUploadedSince(visitor.welcome!.userId!, 0), before + first.json.size!);
  });

  test('a declared Content-Length over the cap gets 413 with max_bytes before the body is read', async () => {
    const answer = await upload(new Uint8Array(CAP + 1), { name: 'big.pdf' });
    assert.equal(answer.status, 413);
    assert.equal(answer.json.error?.code, 'too_large');
    assert.equal(answer.json.error?.max_bytes, CAP);
    assert.match(answer.json.error?.message ?? '', /too large \(max 0\.1 MB\)/);
  });

  test('the cap is enforced while streaming: the temp file never exceeds it, and nothing is kept', async () => {
    const hashesBefore = server.files.store.storedHashes().length;
    const pdf = fixtures.pdf();
    const chunk = new Uint8Array(16 * 1024).fill(0x41);
    const result = await new Promise<{ status: number; body: string; maxTemp: number }>((resolve, reject) => {
      let maxTemp = 0;
      const req = request(`${server.url}/api/uploads?conversation=${encodeURIComponent(conversationId)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-file-name': 'stream.pdf', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, maxTemp }));
      });
      req.on('error', reject);
      req.write(pdf);
      let sent = pdf.length;
      const pump = (): void => {
        for (const name of server.files.store.tempFiles()) {
          try {
            maxTemp = Math.max(maxTemp, statSync(join(server.files.store.dir, 'tmp', name)).size);
          } catch {
            // removed meanwhile
          }
        }
        if (sent > CAP * 3) return void req.end();
        sent += chunk.length;
        req.write(chunk, () => setTimeout(pump, 2));
      };
      pump();
    });
    assert.equal(result.status, 413);
    assert.equal((JSON.parse(result.body) as { error: { code: string } }).error.code, 'too_large');
    assert.ok(result.maxTemp <= CAP, `temp file reached ${result.maxTemp} bytes`);
    assert.ok(result.maxTemp > 0, 'the temp file was seen while streaming');
    await waitUntil(() => server.files.store.tempFiles().length === 0);
    assert.equal(server.files.store.storedHashes().length, hashesBefore);
  });

  test('credentials and conversation are checked: 401 without a token, 403 for another visitor’s conversation', async () => {
    const none = await upload(fixtures.png(1, 1), { token: '' });
    assert.equal(none.status, 401);
    const forged = await upload(fixtures.png(1, 1), { token: `${token}x` });
    assert.equal(forged.status, 401);
    const other = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    const foreign = await upload(fixtures.png(1, 1), { token: other.welcome!.token!, conversation: conversationId });
    assert.equal(foreign.status, 403);
    await other.close();
    const agent = await upload(fixtures.png(2, 2), { token: server.agentToken('alice') });
    assert.equal(agent.status, 201);
  });

  test('the per-visitor hourly quota answers 429 with a clear message', async () => {
    const other = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    const theirs = { token: other.welcome!.token!, conversation: other.conversationId };
    const big = new Uint8Array(60 * 1024);
    big.set(fixtures.pdf());
    let status = 201;
    let answer: UploadAnswer | undefined;
    for (let i = 0; i < 5 && status === 201; i += 1) {
      big[big.length - 1] = i;
      answer = await upload(big, { ...theirs, name: `q${i}.pdf` });
      status = answer.status;
    }
    assert.equal(status, 429);
    assert.equal(answer!.json.error?.code, 'quota_exceeded');
    assert.match(answer!.json.error?.message ?? '', /upload limit reached/);
    assert.equal(server.files.store.bytesUploadedSince(other.welcome!.userId!, 0) <= QUOTA, true);
    await other.close();
  });

  test('CORS preflight allows the widget’s headers', async () => {
    const res = await fetch(`${server.url}/api/uploads`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /x-client-msg-id/);
  });
});

describe('GET /files/:id', () => {
  let png: UploadAnswer['json'];
  let pdf: UploadAnswer['json'];
  before(async () => {
    png = (await upload(fixtures.png(8, 6), { name: 'serve.png' })).json;
    pdf = (await upload(fixtures.pdf('%%EOF serve me'), { name: '../../etc/"passwd".pdf' })).json;
  });

  test('an image is served inline with its sniffed type and the safety headers', async () => {
    const res = await fetch(`${server.url}${png.url}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.match(res.headers.get('content-disposition') ?? '', /^inline; filename="serve.png"/);
    assertFileHeaders(res);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), fixtures.png(8, 6));
  });

  test('other files are attachments with a safe file name, bytes identical', async () => {
    const res = await fetch(`${server.url}${pdf.url}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(pdf.name, 'passwd.pdf');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="passwd.pdf"; filename\*=UTF-8''passwd.pdf$/);
    assertFileHeaders(res);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), fixtures.pdf('%%EOF serve me'));
  });

  test('range requests: 206 with Content-Range, 416 when unsatisfiable', async () => {
    const res = await fetch(`${server.url}${pdf.url}`, { headers: { range: 'bytes=0-3' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 0-3/${pdf.size}`);
    assert.equal(await res.text(), '%PDF');
    assertFileHeaders(res);
    const tail = await fetch(`${server.url}${pdf.url}`, { headers: { range: 'bytes=-4' } });
    assert.equal(tail.status, 206);
    assert.equal((await tail.text()).length, 4);
    const bad = await fetch(`${server.url}${pdf.url}`, { headers: { range: `bytes=${pdf.size! + 10}-` } });
    assert.equal(bad.status, 416);
    assertFileHeaders(bad);
  });

  test('a tampered signature, an expired link and another file’s signature all get 403 (with the safety headers)', async () => {
    const url = new URL(png.url!, server.url);
    const sig = url.searchParams.get('sig')!;
    const tampered = `${url.pathname}?exp=${url.searchParams.get('exp')}&sig=${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const longer = `${url.pathname}?exp=${Number(url.searchParams.get('exp')) + 1000}&sig=${sig}`;
    const expired = signFileUrl(keys, png.id!, Date.now() - 1000);
    const otherId = `/files/${pdf.id}?exp=${url.searchParams.get('exp')}&sig=${sig}`;
    const unsigned = `/files/${png.id}`;
    for (const bad of [tampered, longer, expired, otherId, unsigned]) {
      const res = await fetch(`${server.url}${bad}`);
      assert.equal(res.status, 403, bad);
      assertFileHeaders(res);
    }
    const reason = await (await fetch(`${server.url}${expired}`)).text();
    assert.match(reason, /expired/);
  });

  test('a good link to a file that no longer exists is 404', async () => {
    const res = await fetch(`${server.url}${signFileUrl(keys, 'f_gone', Date.now() + 60_000)}`);
    assert.equal(res.status, 404);
    assertFileHeaders(res);
  });
});
