/**
 * Safe autolinking of message text (issue 11): http, https and mailto links
 * become anchors, everything else stays text. A link is recognised only by
 * an explicit `http://`, `https://` or `mailto:` prefix, so `javascript:`, `data:`, `vbscript:` and look-alikes such as
 * `javascript://https://…` or `jav&#x61;script:` never become links; the
 * href is the matched text itself, checked again by `new URL` for its
 * protocol. Trailing punctuation (`.`, `,`, `)` …) stays outside the link.
 *
 * Links open in a new tab with `rel="noopener noreferrer nofollow ugc"`:
 * no access to the opener, no referrer leaking the shop page, and no SEO
 * credit for links visitors or agents write.
 */
import { html, type TemplateResult } from 'lit';

/**
 * A link: a scheme we allow (`www.` alone is not enough) not glued to a word, `:`, `/`, `.` or
 * `-` before it ("xhttps://", "javascript:https://" are not link starts),
 * then printable ASCII, ending on a character that does not end a sentence
 * (a trailing `.`, `,`, `)` … stays text). A URL ends at a space or at the
 * first non-ASCII character, so Chinese text glued to a link stays out of it
 * (IDN hosts are not linked). The capture makes `split` keep the links.
 */
const LINK = /(?<![\w:/.-])((?:https?:\/\/|mailto:)[!#-;=?-~]*[\w/#=&%+~-])/gi;

/** The href for a candidate, or '' when it is not a safe link. */
export function safeHref(candidate: string): string {
  try {
    const url = new URL(candidate);
    return /^(https?|mailto):$/.test(url.protocol) ? url.href : '';
  } catch {
    return '';
  }
}

/** Splits text into strings and safe links, in order. */
export function linkParts(text: string): (string | { readonly text: string; readonly href: string })[] {
  // Odd parts are the captured candidates; empty text parts render as nothing.
  return text.split(LINK).map((part, i) => {
    const href = i % 2 ? safeHref(part) : '';
    return href ? { text: part, href } : part;
  });
}

/** Message text as Lit text bindings and anchors (never innerHTML). */
export function linkify(text: string): (string | TemplateResult)[] {
  return linkParts(text).map((part) =>
    typeof part === 'string' ? part : html`<a href=${part.href} target="_blank" rel="noopener noreferrer nofollow ugc">${part.text}</a>`,
  );
}
