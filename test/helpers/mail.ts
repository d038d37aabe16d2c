/** Builds raw test emails (RFC 5322 text) the way a visitor's mail program would write them. */

/** The parts of a test email; anything unset gets a plausible value. */
export interface TestMail {
  from?: string;
  to: string;
  cc?: string;
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  /** Extra header lines, e.g. `Auto-Submitted: auto-replied`. */
  headers?: readonly string[];
  /** The text/plain body. */
  body?: string;
  /** A full MIME body replacing `body` (with its own Content-Type in `headers`). */
  rawBody?: string;
}

let counter = 0;

/** A raw email. */
export function rawMail(mail: TestMail): string {
  const messageId = mail.messageId ?? `<test-${Date.now()}-${++counter}@visitor.example>`;
  const lines = [
    `From: ${mail.from ?? 'Jane Visitor <jane@visitor.example>'}`,
    `To: ${mail.to}`,
    ...(mail.cc ? [`Cc: ${mail.cc}`] : []),
    `Subject: ${mail.subject ?? 'Re: Your conversation with the shop'}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`] : []),
    ...(mail.references ? [`References: ${mail.references}`] : []),
    'MIME-Version: 1.0',
    ...(mail.headers ?? []),
    ...(mail.rawBody === undefined ? ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'] : []),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${mail.rawBody ?? mail.body ?? 'Hello'}\r\n`;
}

/** A visitor's reply with the shop's email quoted under it, as Gmail writes it. */
export function quotedReply(reply: string, quoted: string): string {
  return `${reply}\r\n\r\nOn Tue, Dec 1, 2026 at 10:00 AM Shop <shop@example.com> wrote:\r\n${quoted
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\r\n')}\r\n`;
}
