/**
 * Ids made on the device (DESIGN.md §3.1). Never `Date.now()` alone: two
 * tabs or two devices must not collide, and the server dedups by the id.
 */

/** 128 random bits from `crypto.getRandomValues`, as 32 lowercase hex digits. */
export function newId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** Milliseconds the time prefix of `newMessageId` holds (48 bits: until the year 10889). */
const TIME_DIGITS = 12;

/**
 * A message's `client_msg_id`: 128 bits as 32 lowercase hex digits, the
 * first 48 the creation time in ms, the other 80 random (the layout of
 * UUIDv7, RFC 9562 §5.7, without its version bits).
 *
 * Why the time first: the server's dedup index is keyed by
 * `(conversation, sender, client_msg_id)`, so one sender's ids that ascend
 * go in at the end of that sender's range of the index, one leaf page for
 * all of a conversation's new messages. Random ids put each new message of
 * a long conversation on a leaf of its own, and the store wrote about twice
 * the bytes per message once conversations held a few thousand (measured
 * in the soak benchmark, issue 9). 80 random bits keep two devices writing
 * in the same millisecond apart as surely as 128 did in practice.
 * @param nowMs the clock, ms since the epoch (tests pass a fixed one)
 * @param random fills the random part (tests pass a fixed one)
 */
export function newMessageId(nowMs: number = Date.now(), random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  // A clock that is not a number (a broken injected one) gives time 0: the id stays valid, only its order is lost.
  const ms = Number.isFinite(nowMs) ? Math.max(0, Math.floor(nowMs)) : 0;
  const time = ms.toString(16).padStart(TIME_DIGITS, '0').slice(-TIME_DIGITS);
  return time + hex(random(new Uint8Array(10)));
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
