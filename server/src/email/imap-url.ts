/** `CS_IMAP_URL`: where the mailbox of emailed replies is and how to sign in (no imapflow here: config.ts checks it at start). */

/** Where and how to reach the mailbox, parsed from `CS_IMAP_URL`. */
export interface ImapTarget {
  readonly host: string;
  readonly port: number;
  /** imaps:// (TLS from the start); imap:// upgrades with STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string;
  readonly password: string;
  /** The folder to watch. Default INBOX (a path in the URL: `imaps://…/Support`). */
  readonly mailbox: string;
}

/**
 * Parses `imap://user:pass@host:port[/mailbox]` or `imaps://…` (user and
 * password URL-encoded: an `@` in the user is `%40`).
 * @throws Error naming CS_IMAP_URL when it is not such a URL.
 */
export function parseImapUrl(raw: string): ImapTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`CS_IMAP_URL must look like imaps://user:app-password@imap.example.com, got "${redact(raw)}"`);
  }
  if (url.protocol !== 'imap:' && url.protocol !== 'imaps:') throw new Error(`CS_IMAP_URL must start with imap:// or imaps://, got "${url.protocol}//"`);
  if (!url.hostname || !url.username || !url.password) throw new Error('CS_IMAP_URL needs a user, a password and a host: imaps://user:app-password@imap.example.com');
  const secure = url.protocol === 'imaps:';
  const mailbox = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) || 'INBOX';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    mailbox,
  };
}

/** The URL with its password replaced, for logs and errors. */
export function redact(raw: string): string {
  return raw.replace(/^(imaps?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
