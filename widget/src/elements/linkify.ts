/**
 * Safe autolinking of message text (issue 11): http, https and mailto links
 * become anchors, everything else stays text. A link is recognised only by
 * an explicit `http://`, `https://` or `mailto:` prefix (or `www.`, linked as
 * https), so `javascript:`, `data:`, `vbscript:` and look-alikes such as
 * `javascript://https://…` or `jav&#x61;script:` never become links; the
 * href is the matched text itself, checked again by `new URL` for its
 * protocol. Trailing punctuation (`.`, `,`, `)` …) stays outside the link.
 *
 * Links open in a new tab with `rel="noopener noreferrer nofollow ugc"`:
 * no access to the opener, no referrer leaking the shop page, and no SEO
 * credit for links visitors or agents write.
 */
import { html, type TemplateResult } from 'lit';

/** Word-bounded candidates: a scheme we allow, or www. */
const CANDIDATE = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"']+/gi;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = /[.,;:!?)\]}'"»。，！？）]+$/;
const ALLOWED = new Set(['http:', 'https:', 'mailto:']);

/** The href for a candidate, or '' when it is not a safe link. */
export function safeHref(candidate: string): string {
  const href = /^www\./i.test(candidate) ? `https://${candidate}` : candidate;
  try {
    const url = new URL(href);
    if (!ALLOWED.has(url.protocol)) return '';
    if (url.protocol === 'mailto:' ? !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(url.pathname) : !url.hostname.includes('.') && url.hostname !== 'localhost') return '';
    return url.href;
  } catch {
    return '';
  }
}

/** Splits text into strings and safe links, in order; text with no link comes back as itself. */
export function linkParts(text: string): (string | { readonly text: string; readonly href: string })[] {
  const parts: (string | { text: string; href: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    // A scheme glued to a word before it ("xhttps://", "javascript:https://") is not a link start.
    if (start > 0 && /[\w:/.-]/.test(text[start - 1] ?? '')) continue;
    const raw = match[0].replace(TRAILING, '');
    const href = safeHref(raw);
    if (!href) continue;
    if (start > last) parts.push(text.slice(last, start));
    parts.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Message text as Lit text bindings and anchors (never innerHTML). */
export function linkify(text: string): (string | TemplateResult)[] {
  return linkParts(text).map((part) =>
    typeof part === 'string' ? part : html`<a href=${part.href} target="_blank" rel="noopener noreferrer nofollow ugc">${part.text}</a>`,
  );
}
