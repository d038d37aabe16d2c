/**
 * Random ids made on the device (DESIGN.md §3.1). Never `Date.now()`: two
 * tabs or two devices must not collide, and the server dedups by this id.
 */

/** 128 random bits from `crypto.getRandomValues`, as 32 lowercase hex digits. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
