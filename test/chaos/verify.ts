/**
 * The end-of-run checks: the server's truth (read by a fresh agent with
 * Sync) against what every client was told (Acks), what every participant
 * holds (its views) and what the widget shows. Each check counts its
 * violations as lost, duplicated or misordered and keeps a few examples.
 */
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import type { Ledger, Participant } from './participant.js';

/** Every conversation's messages as the server holds them, seq order. */
export type Truth = Map<string, cs.v1.Message[]>;

/** Reads every conversation of `sites` with a fresh agent session (not through the proxy). */
export async function readTruth(wsUrl: string, agentToken: string, sites: readonly string[]): Promise<Truth> {
  const reader = await ProtoClient.open(wsUrl, { token: agentToken });
  reader.socket.on('error', () => undefined);
  try {
    const truth: Truth = new Map();
    for (const conversation of (reader.welcome?.conversations ?? []) as cs.v1.Conversation[]) {
      if (!sites.includes(conversation.site ?? '')) continue;
      const id = conversation.id ?? '';
      const messages: cs.v1.Message[] = [];
      for (;;) {
        const page = await reader.sync({ conversationId: id, afterSeq: messages.at(-1)?.seq ?? 0, limit: 200 }, 10_000);
        messages.push(...((page.messages ?? []) as cs.v1.Message[]));
        if (!page.hasMore) break;
      }
      truth.set(id, messages);
    }
    return truth;
  } finally {
    await reader.close();
  }
}

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string;
  lost: number;
  duplicated: number;
  misordered: number;
  readonly examples: string[];
}

/** Most messages the widget keeps rendered (MessageWindow's default max). */
const SCREEN_WINDOW = 90;
/** Fewest it renders when it holds that many: MessageWindow's first page, all a reloaded widget shows until its top comes into view. */
const SCREEN_FIRST_PAGE = 30;

function check(name: string): CheckResult {
  return { name, lost: 0, duplicated: 0, misordered: 0, examples: [] };
}

function note(result: CheckResult, kind: 'lost' | 'duplicated' | 'misordered', example: string): void {
  result[kind] += 1;
  if (result.examples.length < 5) result.examples.push(`${kind}: ${example}`);
}

export function passed(result: CheckResult): boolean {
  return result.lost + result.duplicated + result.misordered === 0;
}

/** Seqs are 1..n in every conversation, and no client_msg_id is stored twice. */
export function checkServerSequences(truth: Truth): CheckResult {
  const result = check('server: seqs contiguous from 1, each client_msg_id stored once');
  for (const [id, messages] of truth) {
    const ids = new Set<string>();
    messages.forEach((m, i) => {
      if (m.seq !== i + 1) note(result, 'misordered', `${id}: position ${i + 1} holds seq ${m.seq}`);
      if (ids.has(m.clientMsgId ?? '')) note(result, 'duplicated', `${id}: ${m.clientMsgId} stored twice`);
      ids.add(m.clientMsgId ?? '');
    });
  }
  return result;
}

/**
 * Every message any protocol client saw acked is stored at the acked seq;
 * every message created was stored (outboxes drained); nothing is stored that
 * no client sent (the widget's messages are known by their texts).
 */
export function checkLedger(truth: Truth, ledger: Ledger, widgetTexts: ReadonlySet<string>): CheckResult {
  const result = check('server: every acked and every sent message stored once, at its acked seq');
  const stored = new Map<string, { conversationId: string; seq: number }>();
  for (const [conversationId, messages] of truth) {
    for (const m of messages) {
      const key = m.clientMsgId ?? '';
      if (stored.has(key)) note(result, 'duplicated', `${key} stored in two places`);
      stored.set(key, { conversationId, seq: m.seq ?? 0 });
      if (!ledger.sent.has(key) && !widgetTexts.has(m.text ?? '')) note(result, 'misordered', `${conversationId} seq ${m.seq} (${key}) was never sent by any client`);
    }
  }
  for (const [clientMsgId, sent] of ledger.sent) {
    const at = stored.get(clientMsgId);
    const ackedSeq = ledger.acked.get(clientMsgId);
    if (!at) {
      note(result, 'lost', `${sent.by}'s ${JSON.stringify(sent.text)} ${ackedSeq ? `(acked as seq ${ackedSeq}) ` : '(never acked) '}is not on the server`);
    } else if (at.conversationId !== sent.conversationId) {
      note(result, 'misordered', `${clientMsgId} stored in ${at.conversationId}, sent to ${sent.conversationId}`);
    } else if (ackedSeq !== undefined && ackedSeq !== at.seq) {
      note(result, 'misordered', `${clientMsgId} acked as seq ${ackedSeq}, stored as ${at.seq}`);
    }
  }
  for (const conflict of ledger.ackConflicts) note(result, 'misordered', conflict);
  return result;
}

/** Each participant's view of each of its conversations equals the server's: every seq, once, same message. */
export function checkViews(truth: Truth, participants: readonly Participant[]): CheckResult {
  const result = check('participants: every view holds each message once, in the server order');
  for (const p of participants) {
    for (const [conversationId, view] of p.views) {
      const server = truth.get(conversationId) ?? [];
      for (const clash of view.clashes) note(result, 'misordered', `${p.name} ${conversationId}: ${clash}`);
      const seen = new Set<string>();
      for (const held of view.bySeq.values()) {
        if (seen.has(held.clientMsgId ?? '')) note(result, 'duplicated', `${p.name} holds ${held.clientMsgId} twice`);
        seen.add(held.clientMsgId ?? '');
      }
      for (const m of server) {
        const held = view.bySeq.get(m.seq ?? 0);
        if (!held) note(result, 'lost', `${p.name} misses ${conversationId} seq ${m.seq}`);
        else if (held.clientMsgId !== m.clientMsgId) note(result, 'misordered', `${p.name} holds ${held.clientMsgId} at seq ${m.seq}, the server ${m.clientMsgId}`);
      }
      if (view.bySeq.size > server.length) note(result, 'misordered', `${p.name} holds ${view.bySeq.size - server.length} seqs of ${conversationId} past the server's last`);
    }
  }
  return result;
}

/** Agents follow every conversation of their sites (so "every participant's view" covers all of them). */
export function checkCoverage(truth: Truth, agents: readonly Participant[]): CheckResult {
  const result = check('agents: every conversation is in every agent view');
  for (const agent of agents) {
    for (const conversationId of truth.keys()) if (!agent.views.has(conversationId)) note(result, 'lost', `${agent.name} never saw ${conversationId}`);
  }
  return result;
}

/** No epoch changed: with the journal on, a restart keeps every conversation's state. */
export function checkEpochs(participants: readonly Participant[]): CheckResult {
  const result = check('journal: no conversation changed epoch across restarts');
  for (const p of participants) if (p.stats.epochChanges > 0) note(result, 'lost', `${p.name} saw ${p.stats.epochChanges} epoch change(s)`);
  return result;
}

/** Every text sent through the widget composer is on the server exactly once, and on screen once, in the server's order. */
export function checkWidget(truth: Truth, name: string, sent: readonly string[], screen: readonly string[]): CheckResult {
  const result = check(`${name}: every composer message once on the server and once on screen, in server order`);
  const serverTexts = [...truth.values()].flat().map((m) => m.text ?? '');
  // The widget renders a window of the newest messages: 30 after a reload (its
  // first page), growing to at most 90 as its top comes into view. Older ones
  // are checked on the server only. The window is what the screen shows, but
  // never less than the first page; the order check below proves it has no gap.
  const conversation = [...truth.values()].find((messages) => messages.some((m) => m.text === sent[0])) ?? [];
  const expected = conversation.map((m) => m.text ?? '').filter((t) => t.length > 0);
  const shownCount = new Set(screen.filter((t) => expected.includes(t))).size;
  const window = Math.max(SCREEN_FIRST_PAGE, Math.min(SCREEN_WINDOW, shownCount));
  const rendered = new Set(expected.slice(Math.max(0, expected.length - window)));
  for (const text of sent) {
    const n = serverTexts.filter((t) => t === text).length;
    if (n === 0) note(result, 'lost', `${JSON.stringify(text)} is not on the server`);
    if (n > 1) note(result, 'duplicated', `${JSON.stringify(text)} is on the server ${n} times`);
    const shown = screen.filter((t) => t === text).length;
    if (shown === 0 && rendered.has(text)) note(result, 'lost', `${JSON.stringify(text)} is not on screen`);
    if (shown > 1) note(result, 'duplicated', `${JSON.stringify(text)} is on screen ${shown} times`);
  }
  const onScreen = screen.filter((t) => expected.includes(t));
  const tail = expected.slice(expected.length - onScreen.length);
  if (onScreen.join('\n') !== tail.join('\n')) {
    const at = onScreen.findIndex((t, i) => t !== tail[i]);
    note(result, 'misordered', `screen position ${at}: ${JSON.stringify(onScreen[at])}, server: ${JSON.stringify(tail[at])}`);
  }
  return result;
}
