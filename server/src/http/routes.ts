/**
 * HTTP routes: `/healthz`, `/metrics`, the widget bundles and the demo
 * (DESIGN.md §9).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { ServerOptions } from '../options.js';
import type { ServerMetrics } from './metrics.js';
import { placeholderPage, safeJoin, StaticFiles } from './static.js';

/** What `/healthz` reports. */
export interface Health {
  /** The journal takes writes. */
  readonly journalHealthy: boolean;
  /** Shutdown began. */
  readonly shuttingDown: boolean;
}

/** What the HTTP routes use. */
export interface HttpDeps {
  readonly options: Pick<ServerOptions, 'distDir' | 'demoDir' | 'metricsToken'>;
  readonly metrics: Pick<ServerMetrics, 'registry'>;
  readonly log: Logger;
  /** The server's health now. */
  health(): Health;
}

/** Bundles are served under a fixed URL, so caches revalidate (ETag) after 5 minutes. */
const BUNDLE_CACHE = 'public, max-age=300, stale-while-revalidate=86400';
/** The widget's lazy chunks (`/chunks/*`) carry a content hash in their name: a changed chunk is a new URL, so they never change. */
const CHUNK_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';

export function registerHttpRoutes(app: TemplatedApp, ctx: HttpDeps): void {
  const files = new StaticFiles();
  const { distDir, demoDir } = ctx.options;

  app.get('/healthz', (res) => {
    const { journalHealthy, shuttingDown } = ctx.health();
    const healthy = journalHealthy && !shuttingDown;
    const body = JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', journal: journalHealthy ? 'ok' : 'unavailable', shuttingDown });
    res.cork(() => {
      res.writeStatus(healthy ? '200 OK' : '503 Service Unavailable').writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store').end(body);
    });
  });

  app.get('/metrics', (res, req) => {
    if (!metricsAuthorized(ctx.options.metricsToken, req.getHeader('authorization'))) {
      res.cork(() => {
        res
          .writeStatus('401 Unauthorized')
          .writeHeader('WWW-Authenticate', 'Bearer realm="metrics"')
          .writeHeader('Content-Type', 'text/plain; charset=utf-8')
          .writeHeader('Cache-Control', 'no-store')
          .end('metrics need Authorization: Bearer <CS_METRICS_TOKEN>\n');
      });
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    ctx.metrics.registry.metrics().then(
      (text) => {
        if (!aborted) res.cork(() => res.writeHeader('Content-Type', ctx.metrics.registry.contentType).end(text));
      },
      (error: unknown) => {
        ctx.log.error({ err: error }, 'metrics failed');
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end());
      },
    );
  });

  app.get('/cs-chat.js', (res, req) => files.serve(res, req, join(distDir, 'cs-chat.js'), BUNDLE_CACHE));
  app.get('/cs-announcements.js', (res, req) => files.serve(res, req, join(distDir, 'cs-announcements.js'), BUNDLE_CACHE));
  app.get('/agent/announcements', (res, req) =>
    files.serve(res, req, join(demoDir, 'announcements.html'), PAGE_CACHE, placeholderPage('cs-chat announcements', 'The page is not built yet (demo/announcements.html).')),
  );
  // The workbench's admin pages (widget/src/elements/cs-admin.ts): one page, the path picks the screen.
  app.get('/cs-admin.js', (res, req) => files.serve(res, req, join(distDir, 'cs-admin.js'), BUNDLE_CACHE));
  for (const page of ['team', 'settings', 'canned-replies', 'profile']) {
    app.get(`/agent/${page}`, (res, req) =>
      files.serve(res, req, join(demoDir, 'admin.html'), PAGE_CACHE, placeholderPage('cs-chat workbench', 'The page is not built yet (demo/admin.html).')),
    );
  }
  // Lazy chunks of cs-chat.js (widget/build.mjs, CHUNKS), fetched from beside it.
  app.get('/chunks/*', (res, req) => {
    const path = safeJoin(join(distDir, 'chunks'), req.getUrl().slice('/chunks/'.length));
    if (!path) {
      res.cork(() => res.writeStatus('400 Bad Request').end('bad path\n'));
      return;
    }
    files.serve(res, req, path, CHUNK_CACHE);
  });
  app.get('/cs-inbox.js', (res, req) => files.serve(res, req, join(distDir, 'cs-inbox.js'), BUNDLE_CACHE));
  app.get('/', (res, req) =>
    files.serve(res, req, join(demoDir, 'index.html'), PAGE_CACHE, placeholderPage('cs-chat demo shop', 'The demo page is not built yet (demo/index.html).')),
  );
  app.get('/agent', (res, req) =>
    files.serve(res, req, join(demoDir, 'agent.html'), PAGE_CACHE, placeholderPage('cs-chat agent workbench', 'The workbench page is not built yet (demo/agent.html).')),
  );
  // The workbench page also renders first-run setup and invite acceptance (the code rides in the #fragment).
  for (const path of ['/setup', '/invite']) {
    app.get(path, (res, req) => files.serve(res, req, join(demoDir, 'agent.html'), PAGE_CACHE, placeholderPage('cs-chat agent workbench', 'The workbench page is not built yet (demo/agent.html).')));
  }
  app.get('/demo/*', (res, req) => {
    const path = safeJoin(demoDir, req.getUrl().slice('/demo/'.length));
    if (!path) {
      res.cork(() => res.writeStatus('400 Bad Request').end('bad path\n'));
      return;
    }
    files.serve(res, req, path, PAGE_CACHE);
  });
  app.any('/*', (res) => {
    res.cork(() => res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('not found\n'));
  });
}

/**
 * True when `/metrics` may answer: no `CS_METRICS_TOKEN` set, or the request
 * carries `Authorization: Bearer <token>`. Compared as SHA-256 digests in
 * constant time, so neither the length nor a prefix of the token leaks.
 */
export function metricsAuthorized(token: string, authorization: string): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1] ?? ''), digest(token));
}
