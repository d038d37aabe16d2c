/** The public mailbox (DESIGN.md §6): announcements stored once, targeted in memory, delivered by read fan-out. */
export { BroadcastService, COUNTED_EVENTS, type BroadcastOptions } from './service.js';
export { BroadcastDelivery, type Viewer, type WelcomeBroadcasts } from './delivery.js';
export { BROADCAST_MIGRATIONS, BroadcastStore } from './store.js';
export { compileUrlPattern, urlPatternProblem } from './glob.js';
export { langMatches, variantFor, type ViewerProfile } from './targeting.js';
export { DEFAULT_LIFETIME_MS, parseContent, parseWhitelist } from './validate.js';
export { announcementJson } from './json.js';
export * from './types.js';
export { ANNOUNCEMENT_ENDPOINTS, type AnnouncementEndpoint } from './api.js';
