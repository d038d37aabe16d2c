/**
 * The SMTP side of outbound email: one nodemailer transport from
 * `CS_SMTP_URL`, and how a refusal is classified (a 5xx answer is
 * permanent, anything else — connection refused, timeouts, 4xx — is tried
 * again later).
 */
import nodemailer from 'nodemailer';
import type { MailPayload } from './compose.js';

/** Sends one email; rejects with the SMTP error. */
export interface MailTransport {
  send(payload: MailPayload): Promise<void>;
  close(): void;
}

/** A nodemailer SMTP transport for `url` (`smtp://`, `smtps://`, with user and password in the URL). */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
  return {
    async send(payload) {
      await transporter.sendMail({
        from: payload.from,
        to: payload.to,
        ...(payload.replyTo ? { replyTo: payload.replyTo } : {}),
        subject: payload.subject,
        text: payload.text,
        html: payload.html,
        messageId: payload.messageId,
        ...(payload.inReplyTo ? { inReplyTo: payload.inReplyTo } : {}),
        ...(payload.references.length > 0 ? { references: [...payload.references] } : {}),
        headers: { ...payload.headers },
        date: new Date(payload.dateMs),
      });
    },
    close() {
      transporter.close();
    },
  };
}

/** True when the SMTP server refused for good (a 5xx reply): trying again will not help. */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** A short description of a send failure for the log and `last_error` (never the URL: it holds the password). */
export function failureText(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown } | null;
  const parts = [e?.code, e?.responseCode, typeof e?.message === 'string' ? e.message : String(error)].filter((p) => p !== undefined && p !== '');
  return parts.join(' ').slice(0, 300);
}

/**
 * Wait before attempt `attempt + 1` after `attempt` failed, ms: doubling
 * from 30 s up to 1 h, with jitter (half to all of it), so a down SMTP
 * server is not hammered and many queued emails spread out.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const bound = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(bound * (0.5 + random() / 2));
}

/** Attempts before an email is given up (about a day of backoff). */
export const MAX_ATTEMPTS = 30;
