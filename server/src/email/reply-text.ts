/**
 * What a visitor wrote in an emailed reply, without the history their mail
 * program quoted under it or their signature (issue 14). The stripping is
 * Crisp's maintained `email-reply-parser` (quote headers such as "On … wrote:"
 * in many languages, `>` lines, "-- " signatures, "Sent from my iPhone").
 */
import EmailReplyParser from 'email-reply-parser';

/** One attachment of the email, as much as the message text names. */
export interface OmittedAttachment {
  readonly filename: string;
  readonly size: number;
  /** Why it was not kept ('' when attachments are not kept at all). */
  readonly reason?: string;
}

/**
 * The text to import: the visible reply, a line naming attachments that
 * were not kept, cut to `maxLength` characters (the pipeline's text limit)
 * with an ellipsis. '' when nothing is left (the caller ignores such mail).
 */
export function replyText(body: string, omitted: readonly OmittedAttachment[], maxLength: number): string {
  const visible = new EmailReplyParser().parseReply(body.replace(/\r\n?/g, '\n')).trim();
  const note = omitted.length === 0 ? '' : `[Attachments not imported from email: ${omitted.map(describe).join(', ')}]`;
  const text = [visible, note].filter((part) => part.length > 0).join('\n\n');
  if (text.length <= maxLength) return text;
  if (!note || note.length + 3 >= maxLength) return text.slice(0, maxLength - 1) + '…';
  return visible.slice(0, maxLength - note.length - 3) + '…\n\n' + note;
}

function describe(file: OmittedAttachment): string {
  const kb = Math.max(1, Math.round(file.size / 1024));
  return `${file.filename || 'unnamed'} (${kb} KB${file.reason ? `, ${file.reason}` : ''})`;
}
