/**
 * The unsubscribe link of every email to a visitor (RFC 2369 / RFC 8058):
 *
 * | route | answer |
 * |---|---|
 * | `GET /email/unsubscribe?c=<conversation>&t=<token>` | a small page with one button (a GET never unsubscribes: mail scanners follow links) |
 * | `POST /email/unsubscribe?c=…&t=…` | unsubscribes (the one-click POST of mail programs, body `List-Unsubscribe=One-Click`, or the page's button); 200 page |
 *
 * A bad or missing token is 403 and changes nothing. Outside `/api` on
 * purpose: mail programs post `application/x-www-form-urlencoded` without
 * a session or CSRF token; the token in the link is the authority.
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { escapeHtml } from './compose.js';

/** What the routes need. */
export interface UnsubscribeDeps {
  /** Unsubscribes; false when the token does not verify. */
  unsubscribe(conversationId: string, token: string): boolean;
}

/** Body bytes read from a POST before it is answered anyway. */
const MAX_BODY = 4096;

function page(res: HttpResponse, status: string, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:480px;margin:48px auto;padding:0 16px;color:#111827"><h1 style="font-size:20px">${escapeHtml(title)}</h1>${body}</body></html>`;
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('Content-Type', 'text/html; charset=utf-8')
      .writeHeader('Cache-Control', 'no-store')
      .writeHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .writeHeader('Referrer-Policy', 'no-referrer')
      .end(html);
  });
}

export function registerUnsubscribe(app: TemplatedApp, deps: UnsubscribeDeps): void {
  app.get('/email/unsubscribe', (res, req) => {
    const c = req.getQuery('c') ?? '';
    const t = req.getQuery('t') ?? '';
    const action = `/email/unsubscribe?${new URLSearchParams({ c, t }).toString()}`;
    page(
      res,
      '200 OK',
      'Stop emails about this conversation?',
      `<p>You will get no more emails about this conversation. You can still read and answer it in the chat on the website.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit" style="padding:10px 18px;font-size:16px">Unsubscribe</button></form>`,
    );
  });

  app.post('/email/unsubscribe', (res, req) => {
    const c = req.getQuery('c') ?? '';
    const t = req.getQuery('t') ?? '';
    let done = false;
    let size = 0;
    res.onAborted(() => (done = true));
    res.onData((chunk, last) => {
      size += chunk.byteLength;
      if (done || (!last && size <= MAX_BODY)) return;
      done = true;
      if (!c || !t || !deps.unsubscribe(c, t)) {
        page(res, '403 Forbidden', 'This unsubscribe link is not valid', '<p>Nothing was changed. Use the link from the latest email.</p>');
        return;
      }
      page(res, '200 OK', 'You are unsubscribed', '<p>You will get no more emails about this conversation.</p>');
    });
  });
}
