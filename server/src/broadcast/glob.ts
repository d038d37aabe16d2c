/**
 * URL patterns of announcements: a glob matched against the page URL the
 * widget reports (Hello.page_url, PageView.url).
 *
 * - `*` matches any run of characters (slashes too), `?` one character;
 *   everything else is literal (case-sensitive, as URLs are).
 * - A pattern starting with `/` is matched against the page's path and query
 *   (`/sale/*` matches `https://shop.example/sale/shoes?c=1`); any other
 *   pattern against the whole URL, and must start with `http://`, `https://`
 *   or `*` (`https://shop.example/*`).
 * - The whole URL (or path) must match, not a part of it.
 */

/** Longest pattern accepted, characters. */
export const MAX_PATTERN_LENGTH = 512;

/** What is wrong with `pattern`, or undefined when it is a valid URL pattern. */
export function urlPatternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `url_pattern is over ${MAX_PATTERN_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(pattern)) return 'url_pattern may not contain spaces or control characters';
  if (!/^(\/|https?:\/\/|\*)/i.test(pattern)) return 'url_pattern must start with "/" (path), "http://", "https://" or "*"';
  if (/^https?:\/\/[*?]*$/i.test(pattern)) return 'url_pattern names no host';
  return undefined;
}

/** A compiled pattern: true when a page URL matches. '' matches every page. */
export function compileUrlPattern(pattern: string): (pageUrl: string) => boolean {
  if (pattern === '') return () => true;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`);
  if (!pattern.startsWith('/')) return (pageUrl) => regex.test(pageUrl);
  return (pageUrl) => regex.test(pathOf(pageUrl));
}

/** The path and query of a URL ('' when it is not one). */
function pathOf(pageUrl: string): string {
  try {
    const url = new URL(pageUrl);
    return url.pathname + url.search;
  } catch {
    return pageUrl.startsWith('/') ? pageUrl : '';
  }
}
