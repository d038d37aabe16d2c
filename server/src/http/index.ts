/** HTTP: health, metrics, static widget bundles and demo pages. */
export { registerHttpRoutes, type Health, type HttpDeps } from './routes.js';
export { ServerMetrics } from './metrics.js';
export { CONTENT_SECURITY_POLICY } from './static.js';
