/** What the files module needs from the rest of the server (one instance per server). */
import type { Logger } from 'pino';
import { cs } from '../../../proto/gen/chat.js';
import { isVisitorToken, verifyAgentToken, verifyVisitorToken, type Keys } from '../gateway/auth.js';
import type { FileStore } from './store.js';

/** Who uploads or downloads. */
export interface Uploader {
  readonly role: cs.v1.Role;
  /** Visitor id or agent id. */
  readonly userId: string;
  /** Visitors: the site tag of their token ('' for a pre-site-binding token); their conversations must be on that site (issue 10). */
  readonly siteTag?: string;
}

/** Settings of the files module (ServerOptions carries them). */
export interface FilesOptions {
  /** Largest upload, bytes (CS_MAX_UPLOAD_BYTES). Default 10 MiB. */
  readonly maxUploadBytes: number;
  /** Bytes one visitor may upload per rolling hour (CS_UPLOAD_QUOTA_BYTES_PER_HOUR); 0 = no limit. Default 100 MiB. Agents have none. */
  readonly uploadQuotaBytesPerHour: number;
  /** Least lifetime of a signed file URL, ms (CS_FILE_URL_TTL_MS). Default 3600000 (an hour). */
  readonly fileUrlTtlMs: number;
  /** Origins allowed to upload from a browser (CORS); empty allows all (same as CS_ALLOWED_ORIGINS for /ws). */
  readonly allowedOrigins: readonly string[];
}

export interface FilesDeps {
  readonly files: FileStore;
  readonly keys: Keys;
  readonly options: FilesOptions;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now(): number;
  /** True when `who` may see (and so attach to) the conversation. */
  mayUse(who: Uploader, conversationId: string): boolean;
  /**
   * The agent behind the workbench's session cookie (`Cookie` header), only
   * when the request comes from the server's own origin (`Origin` against
   * `Host`: a cookie is ambient, another site must not upload with it);
   * undefined otherwise.
   */
  cookieAgent?(cookieHeader: string, origin: string, host: string): Uploader | undefined;
}

/** The caller of a bearer token: a visitor token or a service (agent) token; undefined when neither verifies. */
export function bearerCaller(keys: Keys, authorization: string): Uploader | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) return undefined;
  const token = match[1]!;
  if (isVisitorToken(token)) {
    const check = verifyVisitorToken(keys, token);
    return check.ok ? { role: cs.v1.Role.VISITOR, userId: check.visitorId, siteTag: check.siteTag } : undefined;
  }
  const agentId = verifyAgentToken(keys, token);
  return agentId ? { role: cs.v1.Role.AGENT, userId: agentId } : undefined;
}
