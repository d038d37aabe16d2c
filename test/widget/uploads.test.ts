/**
 * The upload code's browser half (issue 13), in Chromium: big photos are
 * scaled down to a 2048 px long side before upload, small ones go as they
 * are, a HEIC photo this browser can decode is sent as JPEG (what the
 * agent's browser can show), one it cannot decode goes unchanged, and every
 * HTTP answer maps to the problem the widget names (a proxy's 413 page is
 * "too large" too).
 */
import { UploadProblem } from '../../widget/src/core/types.js';
import { MAX_IMAGE_SIDE, outcomeOf, uploads } from '../../widget/src/transport/uploads.js';
import { assertEqual } from './helpers.js';

/** A PNG of one colour drawn on a canvas. */
async function pngOf(width: number, height: number): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#c04020';
  ctx.fillRect(0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
}

/** The bytes of an ISO BMFF `ftyp heic` header: what an iPhone's HEIC starts with (Chromium cannot decode it). */
function heicHeader(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(0, 24);
  bytes.set(new TextEncoder().encode('ftypheic\0\0\0\0mif1heic'), 4);
  return bytes;
}

describe('prepare (before the upload)', () => {
  it('scales a big photo down to a 2048 px long side, keeping its aspect ratio', async () => {
    const prepared = await uploads.prepare(await pngOf(4000, 3000), 'parcel.png');
    assertEqual([prepared.width, prepared.height], [MAX_IMAGE_SIDE, 1536], 'scaled size');
    const bitmap = await createImageBitmap(prepared.blob);
    assertEqual([bitmap.width, bitmap.height], [2048, 1536], 'the bytes are the scaled image');
    assertEqual(prepared.mime, 'image/webp', 'PNG (maybe transparent) becomes WebP');
    assertEqual(prepared.name, 'parcel.webp', 'the name follows the type');
  });

  it('sends a small photo as it is, with its dimensions', async () => {
    const png = await pngOf(300, 200);
    const prepared = await uploads.prepare(png, 'small.png');
    assertEqual([prepared.blob === png, prepared.mime, prepared.width, prepared.height], [true, 'image/png', 300, 200], 'unchanged');
  });

  it('turns a HEIC photo the browser can decode into JPEG', async () => {
    // Chromium decodes no HEIC: stand in for Safari, which does, by decoding a PNG's pixels for it.
    const real = globalThis.createImageBitmap;
    const pixels = await pngOf(1200, 900);
    globalThis.createImageBitmap = ((source: ImageBitmapSource) =>
      real(source instanceof Blob && source.type === 'image/heic' ? pixels : source)) as typeof createImageBitmap;
    try {
      const heic = new Blob([heicHeader()], { type: 'image/heic' });
      const prepared = await uploads.prepare(heic, 'IMG_0042.HEIC');
      assertEqual([prepared.mime, prepared.name, prepared.width, prepared.height], ['image/jpeg', 'IMG_0042.jpg', 1200, 900], 'JPEG');
      const head = new Uint8Array(await prepared.blob.slice(0, 3).arrayBuffer());
      assertEqual([...head], [0xff, 0xd8, 0xff], 'JPEG bytes');
    } finally {
      globalThis.createImageBitmap = real;
    }
  });

  it('sends a HEIC this browser cannot decode unchanged (typeless .heic files too)', async () => {
    for (const type of ['image/heic', '']) {
      const heic = new Blob([heicHeader()], { type });
      const prepared = await uploads.prepare(heic, 'IMG_0043.heic');
      assertEqual([prepared.blob === heic, prepared.mime, prepared.name], [true, 'image/heic', 'IMG_0043.heic'], `type "${type}"`);
    }
  });
});

describe('upload answers', () => {
  it('maps the server 413 to too large, a proxy 413 page (HTML) to too large for the server, 415 to unsupported, 429 to quota, and 502 or 403 to a retry', () => {
    const nginx413 = '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>';
    const tooLarge = outcomeOf(413, nginx413, '');
    assertEqual(tooLarge.ok ? '' : [tooLarge.problem, tooLarge.retryAfterMs], [UploadProblem.TooLargeForProxy, 0], 'proxy 413');
    const ours = outcomeOf(413, '{"error":{"code":"too_large","message":"file too large (max 10 MB)","max_bytes":10485760}}', '');
    assertEqual(ours.ok ? '' : ours.problem, UploadProblem.TooLarge, "the server's 413");
    const unsupported = outcomeOf(415, '{"error":{"code":"unsupported_type","message":"this file type is not allowed"}}', '');
    assertEqual(unsupported.ok ? '' : unsupported.problem, UploadProblem.Unsupported, '415');
    const quota = outcomeOf(429, '{"error":{"code":"quota_exceeded"}}', '');
    assertEqual(quota.ok ? '' : quota.problem, UploadProblem.Quota, '429');
    for (const status of [502, 403, 0]) {
      const retry = outcomeOf(status, '', '');
      assertEqual(retry.ok ? '' : [retry.problem, retry.retryAfterMs > 0], [UploadProblem.Network, true], String(status));
    }
  });

  it('resolves a stored file’s URL against the server', () => {
    const ok = outcomeOf(201, '{"id":"f_1","name":"a.png","mime":"image/png","size":3,"width":1,"height":1,"url":"/files/f_1?exp=1&sig=x"}', 'https://chat.example');
    assertEqual(ok.ok ? ok.attachment.url : '', 'https://chat.example/files/f_1?exp=1&sig=x', 'absolute URL');
  });
});
