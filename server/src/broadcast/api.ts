/**
 * The announcements endpoints of the JSON API (DESIGN.md §12), as plain
 * functions over the mailbox: the HTTP layer (http/api/) authenticates,
 * checks the caller is an admin, and maps a BroadcastError to its status
 * (bad_input 400, not_found 404, conflict 409).
 *
 * | method and path | body | answer |
 * |---|---|---|
 * | `POST /api/announcements` | `{site, title, body?, link_url?, link_label?, expires_at, starts_at?, audience?, url_pattern?, lang?, min_core_level?, fallback_text?}` | 201 the announcement (state "draft") |
 * | `GET /api/announcements` | – | `{announcements: [...]}` newest first, with `state` and `stats` |
 * | `GET /api/announcements/:id` | – | the announcement |
 * | `PATCH /api/announcements/:id` | any create field | the announcement (a visible one is re-sent with a new `seq`) |
 * | `PUT /api/announcements/:id/whitelist` | `{visitor_ids: [...], user_ids: [...]}` | `{visitor_ids, user_ids}` |
 * | `POST /api/announcements/:id/prerelease` \| `publish` \| `stop` \| `recall` | – | the announcement in its new state; 409 when not allowed |
 */
import { announcementJson } from './json.js';
import type { BroadcastService } from './service.js';
import type { Transition } from './types.js';
import { parseContent, parseWhitelist } from './validate.js';

/** One endpoint: method, path pattern (`:id`) and what it does. */
export interface AnnouncementEndpoint {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  readonly pattern: string;
  /** Runs the call; throws BroadcastError to refuse (nothing changed). */
  run(service: BroadcastService, call: { params: Readonly<Record<string, string>>; body: unknown; actorId: string }): { status: 200 | 201; body: unknown };
}

const transition = (move: Transition): AnnouncementEndpoint => ({
  method: 'POST',
  pattern: `/api/announcements/:id/${move}`,
  run: (service, { params }) => ({ status: 200, body: announcementJson(service.transition(params.id ?? '', move)) }),
});

/** Every announcements endpoint, in match order. */
export const ANNOUNCEMENT_ENDPOINTS: readonly AnnouncementEndpoint[] = [
  {
    method: 'GET',
    pattern: '/api/announcements',
    run: (service) => ({ status: 200, body: { announcements: service.list().map(announcementJson) } }),
  },
  {
    method: 'POST',
    pattern: '/api/announcements',
    run: (service, { body, actorId }) => ({ status: 201, body: announcementJson(service.create(parseContent(body, false), actorId)) }),
  },
  {
    method: 'GET',
    pattern: '/api/announcements/:id',
    run: (service, { params }) => ({ status: 200, body: announcementJson(service.get(params.id ?? '')) }),
  },
  {
    method: 'PATCH',
    pattern: '/api/announcements/:id',
    run: (service, { params, body }) => ({ status: 200, body: announcementJson(service.update(params.id ?? '', parseContent(body, true))) }),
  },
  {
    method: 'PUT',
    pattern: '/api/announcements/:id/whitelist',
    run: (service, { params, body }) => {
      const a = service.setWhitelist(params.id ?? '', parseWhitelist(body));
      return { status: 200, body: { visitor_ids: a.whitelist.visitorIds, user_ids: a.whitelist.userIds } };
    },
  },
  transition('prerelease'),
  transition('publish'),
  transition('stop'),
  transition('recall'),
];
