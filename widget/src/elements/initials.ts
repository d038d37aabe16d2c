/** Avatar initials for people's names in any script (the workbench's avatars). */

const HAN = /\p{Script=Han}/u;

/**
 * Initials for an avatar: "Ada Lovelace" -> "AL". A name in Chinese
 * characters shows its last two, the given name ("王小明" -> "小明", "张三"
 * -> "张三"), as DingTalk, WeCom and Feishu avatars do. Counted in code
 * points, so a character outside the BMP (𠮷) is never cut in half.
 */
export function initials(label: string): string {
  const clean = label.replace(/[^\p{L}\p{M}\p{N}\s]/gu, ' ').trim();
  const chars = Array.from(clean.replace(/\s+/g, ''));
  if (chars.length === 0) return '?';
  if (chars.every((c) => HAN.test(c))) return chars.slice(-2).join('');
  const words = clean.split(/\s+/);
  const first = Array.from(words[0]!)[0]!;
  const last = words.length > 1 ? Array.from(words[words.length - 1]!)[0]! : '';
  return (first + last).toUpperCase();
}

/** WCAG relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The colour initials read in on an avatar of `background` (`#rrggbb`, the
 * account's own choice): white or black, whichever contrasts more — a
 * green or orange an agent picks is not readable in white at 14 px. One of
 * the two always reaches 4.5:1 (WCAG AA); a softer dark grey would not.
 */
export function textOn(background: string): string {
  if (!/^#[0-9a-f]{6}$/i.test(background)) return '#ffffff';
  const l = luminance(background);
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#000000';
}
