/**
 * Hello -> Welcome (DESIGN.md §4): authenticate (visitor token, identity, or
 * agent token), check the core level, fill the session, answer with the
 * conversations, then resume every cursor the client sent.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { GatewayContext } from './context.js';
import { agentDisplayName } from '../pipeline/events.js';
import { rendersAllKinds, SERVER_CORE_LEVEL } from '../pipeline/kinds.js';
import { visitorConversationView } from '../pipeline/wire.js';
import type { Conversation } from '../store/conversations.js';
import { visibleConversation } from '../pipeline/access.js';
import { checkAgentToken, isVisitorToken, legacyVisitorIdForUser, newVisitorId, signVisitorToken, verifyIdentity, verifyVisitorToken, visitorIdForUser } from './auth.js';
import { joinMailbox } from './broadcasts.js';
import { SessionPhase, type SessionData, type Socket } from './session.js';
import { checkVisitorHello } from './store-limits.js';
import { isTimeZone } from '../email/hours.js';

/** Longest site / topic / device id / platform / version / lang accepted, characters. */
const MAX_FIELD = 128;
/** Most cursors in one Hello. */
const MAX_CURSORS = 200;

/** Who a Hello speaks for; `minted`: a new anonymous visitor id was made for it (counted against the per-IP budget). */
type Identity = { role: cs.v1.Role.VISITOR; visitorId: string; reissue: boolean; minted: boolean } | { role: cs.v1.Role.AGENT; agentId: string; name: string; expiresMs: number };

export function handleHello(ctx: GatewayContext, ws: Socket, hello: cs.v1.Hello): void {
  const session = ws.getUserData().session;
  const fatal = (code: cs.v1.ErrorCode, message: string): void => ctx.hub.out.sendError(ws, code, message, { fatal: true });
  if (session.phase !== SessionPhase.Greeting) return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.PROTOCOL, 'Hello was already received');

  const coreLevel = hello.coreLevel ?? 0;
  if (coreLevel < ctx.options.minCoreLevel) {
    return fatal(cs.v1.ErrorCode.UPGRADE_REQUIRED, `core level ${coreLevel} is below the minimum ${ctx.options.minCoreLevel}: upgrade the client`);
  }
  const fields = [hello.site, hello.topic, hello.deviceId, hello.platform, hello.appVersion, hello.lang];
  if (fields.some((f) => (f ?? '').length > MAX_FIELD) || (hello.cursors?.length ?? 0) > MAX_CURSORS) {
    return fatal(cs.v1.ErrorCode.BAD_FRAME, `Hello fields are limited to ${MAX_FIELD} characters and ${MAX_CURSORS} cursors`);
  }
  const who = authenticate(ctx, hello, session);
  if (typeof who === 'string') return fatal(cs.v1.ErrorCode.UNAUTHENTICATED, who);
  if (who.role === cs.v1.Role.VISITOR) {
    const refused = checkVisitorHello(ctx, session.ip, hello, who.visitorId, who.minted);
    if (refused) return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.RATE_LIMITED, refused.message, { fatal: true, retryAfterMs: refused.retryAfterMs });
  }

  session.coreLevel = coreLevel;
  session.modern = rendersAllKinds(coreLevel);
  session.inboxBatch = hello.inboxBatch ?? false;
  session.deviceId = hello.deviceId ?? '';
  session.platform = hello.platform ?? '';
  session.appVersion = hello.appVersion ?? '';
  session.lang = hello.lang || 'en';
  session.timeZone = hello.timeZone && hello.timeZone.length <= 64 && isTimeZone(hello.timeZone) ? hello.timeZone : '';
  session.phase = SessionPhase.Ready;
  clearTimeout(session.helloTimer);
  session.helloTimer = undefined;

  if (who.role === cs.v1.Role.AGENT) {
    if (who.expiresMs > 0) endAtExpiry(ctx, ws, session, who.expiresMs);
    welcomeAgent(ctx, ws, session, who.agentId, who.name);
  }
  else welcomeVisitor(ctx, ws, session, hello, who.visitorId, who.reissue);
  resume(ctx, ws, hello.cursors ?? []);
}

/** An expiring service token stops working at its expiry: the session it opened ends then too (the client's reconnect is refused). */
function endAtExpiry(ctx: GatewayContext, ws: Socket, session: SessionData, expiresMs: number): void {
  // setTimeout holds at most ~24.8 days; a later expiry is checked again then.
  const waitMs = Math.min(Math.max(0, expiresMs - ctx.now()), 2 ** 31 - 1);
  session.expiryTimer = setTimeout(() => {
    session.expiryTimer = undefined;
    if (session.phase === SessionPhase.Closed) return;
    if (ctx.now() < expiresMs) return endAtExpiry(ctx, ws, session, expiresMs);
    ctx.hub.out.sendError(ws, cs.v1.ErrorCode.UNAUTHENTICATED, 'agent token has expired: sign in again', { fatal: true });
  }, waitMs);
  session.expiryTimer.unref();
}

/** The site key a Hello names ('default' when empty). */
function siteOf(hello: cs.v1.Hello): string {
  return hello.site || 'default';
}

/**
 * Who the Hello speaks for, or the reason it is refused. A socket whose
 * upgrade carried a valid session cookie (gateway/staff.ts) is that account;
 * its Hello needs no token.
 */
function authenticate(ctx: GatewayContext, hello: cs.v1.Hello, session: SessionData): Identity | string {
  if (session.staff) {
    const account = ctx.accounts.accounts.get(session.staff.accountId);
    if (!account || account.disabled) return 'signed out: the account is disabled';
    return { role: cs.v1.Role.AGENT, agentId: account.id, name: account.name, expiresMs: 0 };
  }
  const origin = session.origin;
  const token = hello.token ?? '';
  if (token && !isVisitorToken(token)) {
    const check = checkAgentToken(ctx.keys, token, ctx.now());
    return check.ok ? { role: cs.v1.Role.AGENT, agentId: check.agentId, name: ctx.accounts.accounts.get(check.agentId)?.name ?? '', expiresMs: check.expiresMs } : check.reason;
  }
  const site = siteOf(hello);
  const siteRefusal = checkSite(ctx, site, origin);
  if (siteRefusal) return siteRefusal;
  const identity = hello.identity;
  if (identity?.userId) {
    if (!ctx.keys.identitySecret) return 'identify is off on this server (CS_IDENTITY_SECRET is not set)';
    if (identity.userId.length > MAX_FIELD || !verifyIdentity(ctx.keys, identity.userId, identity.signature ?? '')) {
      return 'identity signature does not match user_id';
    }
    const visitorId = identifiedVisitorId(ctx, site, identity.userId);
    const known = ctx.store.visitors.get(visitorId);
    const name = (identity.name ?? '').slice(0, MAX_FIELD);
    const email = (identity.email ?? '').slice(0, MAX_FIELD);
    if (!known || known.name !== name || known.email !== email) {
      const profile = { visitorId, userId: identity.userId, name, email };
      ctx.store.visitors.set(visitorId, profile);
      ctx.durable.append({ t: 'visitor', ...profile }).catch((error: unknown) => ctx.log.warn({ err: error }, 'visitor record not stored'));
    }
    return { role: cs.v1.Role.VISITOR, visitorId, reissue: true, minted: false };
  }
  const fresh: Identity = { role: cs.v1.Role.VISITOR, visitorId: newVisitorId(), reissue: true, minted: true };
  if (!token) return fresh;
  const check = verifyVisitorToken(ctx.keys, token, site);
  // A token issued for another site is not this visitor here: a fresh anonymous visitor, as a new browser would be.
  if (!check.ok) return check.otherSite ? fresh : `${check.reason}; reset and connect as a new visitor`;
  if (check.legacy && !onlyOnSite(ctx, check.visitorId, site)) return fresh;
  return { role: cs.v1.Role.VISITOR, visitorId: check.visitorId, reissue: check.stale, minted: false };
}

/**
 * With `CS_SITES` set, the site must be listed, and a browser (one that sent
 * an Origin) must be on one of the site's origins. Returns the refusal, or ''.
 */
function checkSite(ctx: GatewayContext, site: string, origin: string): string {
  const sites = ctx.options.sites;
  if (Object.keys(sites).length === 0) return '';
  const origins = Object.hasOwn(sites, site) ? sites[site] : undefined;
  if (!origins) return `site "${site}" is not served here (CS_SITES)`;
  if (origin && origins.length > 0 && !origins.includes(origin)) return `origin ${origin} may not open sessions for site "${site}" (CS_SITES)`;
  return '';
}

/** True when every conversation of `visitorId` is on `site` (a pre-site-binding id may be claimed only by its own site). */
function onlyOnSite(ctx: GatewayContext, visitorId: string, site: string): boolean {
  return ctx.store.ofVisitor(visitorId).every((c) => c.site === site);
}

/**
 * The visitor id of a verified user on a site. Servers before issue 10 gave
 * a user one id on every site; a user whose old id has conversations on this
 * site only (and none yet under the new id) keeps it, so upgrading loses no
 * identified visitor's history.
 */
function identifiedVisitorId(ctx: GatewayContext, site: string, userId: string): string {
  const bound = visitorIdForUser(site, userId);
  if (ctx.store.ofVisitor(bound).length > 0) return bound;
  const legacy = legacyVisitorIdForUser(userId);
  const old = ctx.store.ofVisitor(legacy);
  return old.length > 0 && old.every((c) => c.site === site) ? legacy : bound;
}

function welcomeAgent(ctx: GatewayContext, ws: Socket, session: SessionData, agentId: string, name: string): void {
  session.role = cs.v1.Role.AGENT;
  session.userId = agentId;
  // Messages, typing and events carry this name, never the id (issue 11): the account's name, else one made from the id.
  session.name = name || agentDisplayName(agentId);
  ctx.store.agentIds.add(agentId);
  ctx.hub.registry.join(ws);
  const inbox = ctx.store.inbox(ctx.options.inboxConversations);
  for (const conversation of inbox) if (conversation.assigneeId === agentId) ctx.hub.registry.watch(ws, conversation.id);
  ctx.hub.out.send(ws, {
    welcome: {
      sessionId: session.id,
      userId: agentId,
      role: cs.v1.Role.AGENT,
      heartbeatMs: ctx.options.heartbeatMs,
      maxUploadBytes: ctx.options.maxUploadBytes,
      coreLevel: SERVER_CORE_LEVEL,
      conversations: inbox.map((c) => ctx.hub.notices.wireConversation(c)),
      serverTimeMs: ctx.now(),
      name: session.name,
      agentsOnline: ctx.hub.registry.agentsOnline(),
      agentIds: [...ctx.store.agentIds],
    },
  });
  // The agent's own away toggle survives a reload of the workbench (AgentStatus after Welcome).
  if (ctx.email.availability.isAgentAway(agentId)) ctx.hub.out.send(ws, { agentStatus: { away: true } });
  // Welcome's Conversation has no preview or unread count: one InboxUpdate per
  // listed conversation gives a freshly signed-in workbench what its list shows.
  ctx.hub.notices.sendInbox(ws, inbox);
}

function welcomeVisitor(ctx: GatewayContext, ws: Socket, session: SessionData, hello: cs.v1.Hello, visitorId: string, reissue: boolean): void {
  session.role = cs.v1.Role.VISITOR;
  session.userId = visitorId;
  session.name = ctx.store.visitors.get(visitorId)?.name || 'Visitor';
  session.site = siteOf(hello);
  session.topic = hello.topic ?? '';
  const { conversation: primary, created } = ctx.store.getOrCreate(session.site, visitorId, session.topic, ctx.now());
  session.primaryConversationId = primary.id;
  primary.platform = session.platform;
  primary.appVersion = session.appVersion;
  if (hello.pageUrl) primary.visitorPageUrl = hello.pageUrl.slice(0, 2048);
  if (hello.pageTitle) primary.visitorPageTitle = hello.pageTitle.slice(0, 256);
  if (created) for (const other of ctx.hub.registry.visitorSessions(visitorId)) ctx.hub.registry.watch(other, primary.id);
  const others = ctx.store.ofVisitor(visitorId, ctx.options.welcomeConversations).filter((c) => c !== primary && c.site === session.site);
  const conversations: Conversation[] = [primary, ...others];
  for (const conversation of conversations) {
    conversation.visitorLang = session.lang;
    ctx.hub.registry.watch(ws, conversation.id);
  }
  ctx.hub.registry.join(ws);
  const mailbox = joinMailbox(ctx, ws, session, hello);
  ctx.hub.out.send(ws, {
    welcome: {
      sessionId: session.id,
      userId: visitorId,
      role: cs.v1.Role.VISITOR,
      token: reissue || !hello.token ? signVisitorToken(ctx.keys, session.site, visitorId) : hello.token,
      heartbeatMs: ctx.options.heartbeatMs,
      maxUploadBytes: ctx.options.maxUploadBytes,
      coreLevel: SERVER_CORE_LEVEL,
      conversations: conversations.map((c) => visitorConversationView(ctx.hub.notices.wireConversation(c))),
      serverTimeMs: ctx.now(),
      name: session.name,
      ...ctx.hub.notices.visitorAvailability(),
      askEmailAfterMs: ctx.email.enabled ? Math.max(1, ctx.accounts.settings.get().email.ask_after_ms) : 0,
      ...mailbox,
    },
  });
}

/**
 * Resume (DESIGN.md §3.7): for each cursor, push everything after it; when the
 * epoch differs (the server lost state) push from 0 with the new epoch. A
 * cursor naming a conversation the session may not see gets Error FORBIDDEN.
 */
function resume(ctx: GatewayContext, ws: Socket, cursors: readonly cs.v1.Cursor.$Properties[]): void {
  const session = ws.getUserData().session;
  for (const cursor of cursors) {
    const conversationId = cursor.conversationId ?? '';
    const conversation = visibleConversation(ctx.store, session, conversationId);
    if (!conversation) {
      const known = ctx.store.get(conversationId) !== undefined;
      ctx.hub.out.sendError(ws, known ? cs.v1.ErrorCode.FORBIDDEN : cs.v1.ErrorCode.NOT_FOUND, 'no such conversation for this session', { ref: conversationId });
      continue;
    }
    const after = cursor.epoch === conversation.epoch ? Math.min(cursor.seq ?? 0, conversation.servedSeq) : 0;
    ctx.hub.out.pushSince(ws, conversation, after);
  }
}
