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
