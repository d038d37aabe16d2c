/**
 * Unit tests of the elements' pure modules: the workbench model (filters,
 * order, names, ages), canned replies, the shared Enter rule, the shared
 * view context, and the seq lookup it uses.
 */
import { cs } from '../../proto/gen/chat.js';
import { findBySeq, lowerBound } from '../../widget/src/core/index.js';
import { ConnState, MessageState, type ConversationInfo, type TimelineItem } from '../../widget/src/core/types.js';
import { isSendKey } from '../../widget/src/elements/composer.js';
import { DEFAULT_CANNED_REPLIES, cannedQuery, matchCanned, parseCannedReplies } from '../../widget/src/elements/inbox-canned.js';
import {
  InboxFilter,
  agentIdOfToken,
  filterCounts,
  matchesFilter,
  shortAge,
  statusLabel,
  totalUnread,
  visibleConversations,
  visitorLabel,
} from '../../widget/src/elements/inbox-model.js';
import { Kind } from '../../widget/src/elements/message-list.js';
import { messageContext } from '../../widget/src/elements/message-context.js';
import { EMPTY_VIEW, SessionLink, newestSeq } from '../../widget/src/elements/session-view.js';
import { FakeSession } from './elements-fake-session.js';
import { stringsFor } from '../../widget/src/elements/i18n.js';
import { assertEqual } from './helpers.js';

const { OPEN, PENDING, RESOLVED } = cs.v1.ConversationStatus;

function conv(id: string, fields: Partial<ConversationInfo> = {}): ConversationInfo {
  return {
    id, epoch: 'e', lastSeq: 0, site: 's', topic: '', visitorId: `v-${id}`, status: OPEN, assigneeId: '', visitorUserId: '',
    visitorName: '', visitorEmail: '', visitorOnline: false, visitorPageUrl: '', visitorPageTitle: '', platform: 'web',
    appVersion: '', createdMs: 0, lastActivityMs: 0, preview: '', previewSenderId: '', previewSenderRole: 0, previewNote: false, unread: 0, contactEmail: '', willEmail: false, ...fields,
  };
}

function msg(seq: number, fields: Partial<TimelineItem> = {}): TimelineItem {
  const key = fields.key ?? `k${seq}`;
  return {
    key, conversationId: 'c', seq, clientMsgId: key, senderId: 'them', senderRole: 1, senderName: '', kind: Kind.Text,
    text: `text ${seq}`, quoteSeq: 0, quickReplies: [], timeMs: seq, own: false, state: MessageState.Sent, ...fields,
  };
}

describe('inbox model', () => {
  const mine = conv('a', { assigneeId: 'me', lastActivityMs: 30 });
  const theirs = conv('b', { assigneeId: 'ann', lastActivityMs: 20, status: PENDING });
  const free = conv('c', { lastActivityMs: 40 });
  const done = conv('d', { assigneeId: 'me', status: RESOLVED, lastActivityMs: 50 });
  const all = [mine, theirs, free, done];

  it('puts each conversation under the filters it belongs to', () => {
    assertEqual(all.filter((c) => matchesFilter(c, InboxFilter.Mine, 'me')).map((c) => c.id), ['a'], 'mine: assigned to me, not resolved');
    assertEqual(all.filter((c) => matchesFilter(c, InboxFilter.Unassigned, 'me')).map((c) => c.id), ['c'], 'unassigned');
    assertEqual(all.filter((c) => matchesFilter(c, InboxFilter.All, 'me')).map((c) => c.id), ['a', 'b', 'c'], 'all: open and pending');
    assertEqual(all.filter((c) => matchesFilter(c, InboxFilter.Resolved, 'me')).map((c) => c.id), ['d'], 'resolved');
    assertEqual(filterCounts(all, 'me'), { mine: 1, unassigned: 1, all: 3, resolved: 1 }, 'tab counts');
  });

  it('lists newest activity first, ties by id so the order never flickers', () => {
    const tie1 = conv('y', { lastActivityMs: 40 });
    const tie2 = conv('x', { lastActivityMs: 40 });
    assertEqual(visibleConversations([mine, tie1, theirs, tie2, free], InboxFilter.All, 'me').map((c) => c.id), ['c', 'x', 'y', 'a', 'b'], 'order');
  });

  it('names a visitor by name, else email, else user id, else a short label from the visitor id', () => {
    assertEqual(visitorLabel(conv('a', { visitorName: 'Ann', visitorEmail: 'ann@x.test' })), 'Ann', 'name');
    assertEqual(visitorLabel(conv('a', { visitorEmail: 'ann@x.test', visitorUserId: 'u1' })), 'ann@x.test', 'email');
    assertEqual(visitorLabel(conv('a', { visitorUserId: 'u1' })), 'u1', 'user id');
    assertEqual(visitorLabel(conv('a', { visitorId: 'v_3f9a-b2c7' })), 'Visitor B2C7', 'label from the id');
    assertEqual(visitorLabel(conv('a', { visitorId: '--' })), 'Visitor ?', 'an id with nothing to show');
  });

  it('sums unread, names statuses, reads the agent id out of a token', () => {
    assertEqual(totalUnread([conv('a', { unread: 2 }), conv('b', { unread: 3 }), conv('c')]), 5, 'total unread');
    assertEqual([OPEN, PENDING, RESOLVED].map(statusLabel), ['open', 'pending', 'resolved'], 'status words');
    assertEqual(agentIdOfToken('ann.smith.c2lnbmF0dXJl'), 'ann.smith', 'the id is everything before the last dot');
    assertEqual(agentIdOfToken('ann.smith.1796243999751.c2lnbmF0dXJl'), 'ann.smith', 'an expiring token <id>.<exp>.<sig> (issue 10)');
    assertEqual(agentIdOfToken('nodot'), '', 'malformed');
    assertEqual(agentIdOfToken('.sig'), '', 'empty id');
  });

  it('says how long ago in short steps, on the injected clock', () => {
    const now = 10 * 86400_000;
    assertEqual(shortAge(0, now), '', 'no time');
    assertEqual(shortAge(now - 59_000, now), 'now', 'under a minute');
    assertEqual(shortAge(now + 5_000, now), 'now', 'a clock a little ahead');
    assertEqual(shortAge(now - 5 * 60_000, now), '5m', 'minutes');
    assertEqual(shortAge(now - 3 * 3600_000, now), '3h', 'hours');
    assertEqual(shortAge(now - 2 * 86400_000, now), '2d', 'days');
    assertEqual(shortAge(now - 8 * 86400_000, now), new Date(now - 8 * 86400_000).toLocaleDateString(), 'a week on: the date');
  });
});

describe('canned replies', () => {
  it('opens the picker only for a single word after a leading slash', () => {
    assertEqual(cannedQuery('/'), '', 'just the slash');
    assertEqual(cannedQuery('/Ship'), 'ship', 'lower-cased query');
    assertEqual(cannedQuery('/ship now'), undefined, 'a second word closes it');
    assertEqual(cannedQuery('hi /ship'), undefined, 'not at the start');
  });

  it('matches shortcuts by prefix first, then texts containing the query', () => {
    const list = [
      { shortcut: 'ship', text: 'We ship daily.' },
      { shortcut: 'returns', text: 'Returns: 30 days, shipping is free.' },
      { shortcut: 'hello', text: 'Hi!' },
    ];
    assertEqual(matchCanned(list, 'SHIP').map((r) => r.shortcut), ['ship', 'returns'], 'shortcut match first, then text match');
    assertEqual(matchCanned(list, '').length, 3, 'empty query: everything');
    assertEqual(matchCanned(list, 'zzz'), [], 'no match');
  });

  it('parses the attribute, and keeps the defaults with a console error for bad input', () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (message: string) => errors.push(message);
    try {
      assertEqual(parseCannedReplies(null), DEFAULT_CANNED_REPLIES, 'no attribute: defaults');
      assertEqual(parseCannedReplies('[{"shortcut":"a","text":"A","extra":1}]'), [{ shortcut: 'a', text: 'A' }], 'entries kept, extra fields dropped');
      assertEqual(parseCannedReplies('not json'), DEFAULT_CANNED_REPLIES, 'bad JSON');
      assertEqual(parseCannedReplies('{"shortcut":"a"}'), DEFAULT_CANNED_REPLIES, 'not an array');
      assertEqual(parseCannedReplies('[{"shortcut":"a","text":""}]'), DEFAULT_CANNED_REPLIES, 'an empty text');
    } finally {
      console.error = original;
    }
    assertEqual(errors.length, 3, 'one error per bad attribute');
    assertEqual(errors[2]!.includes('entry 0'), true, 'the error names the entry');
  });
});

describe('the Enter rule both composers share', () => {
  const key = (init: KeyboardEventInit & { keyCode?: number }): KeyboardEvent => new KeyboardEvent('keydown', init);

  it('sends on a plain Enter only', () => {
    assertEqual(isSendKey(key({ key: 'Enter' })), true, 'Enter');
    for (const mod of ['shiftKey', 'altKey', 'ctrlKey', 'metaKey'] as const) assertEqual(isSendKey(key({ key: 'Enter', [mod]: true })), false, mod);
    assertEqual(isSendKey(key({ key: 'a' })), false, 'another key');
  });

  it('never sends on the Enter that ends an IME composition, in any browser', () => {
    assertEqual(isSendKey(key({ key: 'Enter', isComposing: true })), false, 'Chrome and Firefox: isComposing');
    assertEqual(isSendKey(key({ key: 'Enter', keyCode: 229 })), false, 'Safari: keyCode 229 after compositionend');
    assertEqual(isSendKey(key({ key: 'Enter' }), true), false, 'a composition seen on the textarea');
  });
});

describe('the shared view context', () => {
  const strings = stringsFor('en');
  const options = { strings, lang: 'en', showNames: true, onRetry: () => undefined, onReply: () => undefined, onQuickReply: () => undefined };

  it('finds quoted messages by seq among seq’d and pending items', () => {
    const items = [msg(2), msg(3), msg(7), msg(0, { key: 'p1', own: true, state: MessageState.Sending }), msg(0, { key: 'p2', own: true })];
    assertEqual(lowerBound(items, 4, 3), 2, 'lower bound inside the seq’d prefix');
    assertEqual(findBySeq(items, 3)?.key, 'k3', 'held');
    assertEqual(findBySeq(items, 7)?.key, 'k7', 'last seq’d');
    assertEqual(findBySeq(items, 5), undefined, 'a gap');
    assertEqual(findBySeq(items, 0), undefined, 'never a pending one');
    assertEqual(findBySeq([], 1), undefined, 'empty');
    assertEqual(messageContext(items, options).bySeq(2)?.key, 'k2', 'the context’s lookup');
  });

  it('marks the newest message and the newest own one other than a note', () => {
    const items = [msg(1, { own: true }), msg(2, { own: true, kind: Kind.Note }), msg(3)];
    const ctx = messageContext(items, options);
    assertEqual(ctx.latestKey, 'k3', 'newest');
    assertEqual(ctx.lastOwnKey, 'k1', 'newest own, notes skipped');
    assertEqual(messageContext([], options).latestKey, '', 'empty timeline');
  });

  it('reads the newest seq past pending items', () => {
    assertEqual(newestSeq([msg(4), msg(9), msg(0, { key: 'p' })]), 9, 'pending items have none');
    assertEqual(newestSeq(EMPTY_VIEW.items), 0, 'empty');
  });
});

describe('SessionLink, the session follower both controllers share', () => {
  it('keeps the connection state and presence, hands each event on, renders after it, and lets go at once', () => {
    let renders = 0;
    const host = { addController: () => undefined, removeController: () => undefined, requestUpdate: () => void renders++, updateComplete: Promise.resolve(true) };
    const link = new SessionLink(host);
    const session = new FakeSession();
    const lists: number[] = [];
    link.link(session, { list: () => lists.push(renders) });
    session.emit('state', { oldState: ConnState.Idle, newState: ConnState.Connecting });
    assertEqual([link.conn, link.wasOpen], [ConnState.Connecting, false], 'connecting, never open yet');
    session.emit('state', { oldState: ConnState.Connecting, newState: ConnState.Open });
    session.emit('state', { oldState: ConnState.Open, newState: ConnState.Waiting });
    assertEqual([link.conn, link.wasOpen], [ConnState.Waiting, true], 'a drop after being open');
    session.emit('welcome', { userId: 'a1', name: 'Ann', agentsOnline: 2, agentIds: ['a1', 'a2'] });
    session.emit('presence', { agentsOnline: 1 });
    assertEqual([link.agentsOnline, link.agentIds], [1, ['a1', 'a2']], 'presence without ids keeps the known ids');
    session.emit('list', {});
    assertEqual(lists, [5], "the controller's handler runs before the render it causes");
    assertEqual(renders, 6, 'one render request per event');
    link.unlink();
    session.emit('presence', { agentsOnline: 9 });
    session.emit('list', {});
    assertEqual([link.conn, link.agentsOnline, renders, lists.length], [ConnState.Idle, 1, 6, 1], 'nothing heard after unlink');
  });
});
