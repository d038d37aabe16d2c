/**
 * Mail that a machine wrote (issue 14): out-of-office answers, bounces,
 * mailing-list and bulk mail. They are ignored and logged, never imported
 * and never answered, so two auto-responders (ours sends
 * `Auto-Submitted: auto-replied`) can never loop. The checks are the ones
 * RFC 3834, RFC 3464 and the common responders (Exchange, Gmail vacation,
 * procmail, qmail) use.
 */

/** The headers of one email, by lower-case name: every value of that name, unfolded. */
export type HeaderLookup = (name: string) => readonly string[];

/** Why a mail counts as machine-written, or '' when a person may have written it. */
export function autoReplyReason(header: HeaderLookup, contentType: string, from: string): string {
  for (const value of header('auto-submitted')) {
    if (value.trim().toLowerCase().split(';')[0] !== 'no') return `Auto-Submitted: ${value.trim()}`;
  }
  for (const value of header('precedence')) {
    if (/^\s*(bulk|junk|list|auto_reply|auto-reply)\b/i.test(value)) return `Precedence: ${value.trim()}`;
  }
  for (const name of ['x-autoreply', 'x-autorespond', 'x-auto-response-suppress']) {
    const value = header(name)[0];
    // X-Auto-Response-Suppress: All (or OOF, AutoReply) is set by Exchange on its own automatic mail.
    if (value !== undefined && (name !== 'x-auto-response-suppress' || /\b(all|oof|autoreply)\b/i.test(value))) return `${name}: ${value.trim()}`;
  }
  if (header('list-id').length > 0 || header('list-unsubscribe').length > 0) return 'mailing-list mail (List-Id / List-Unsubscribe)';
  if (header('feedback-type').length > 0) return 'abuse report (Feedback-Type)';
  if (/^\s*multipart\/report\b/i.test(contentType)) return `delivery report (${contentType.trim().split(';')[0]})`;
  const sender = from.trim().toLowerCase();
  if (/^(mailer-daemon|postmaster|mail-daemon|noreply|no-reply|do-not-reply|donotreply)@/.test(sender)) return `sent by ${sender}`;
  if (header('return-path').some((value) => /^\s*<\s*>\s*$/.test(value))) return 'null return path (a bounce)';
  return '';
}
