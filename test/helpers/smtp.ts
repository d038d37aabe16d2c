/**
 * A real SMTP server on loopback for tests (the `smtp-server` package, which
 * implements the protocol): it accepts every message, keeps the raw bytes
 * and the parsed form (mailparser), and can be taken down (connections
 * refused: the port is closed) and brought back on the same port, or set
 * to refuse transactions with a code (451 temporary, 550 permanent). Reusable by any suite
 * (outbound email here, the end-to-end "Must show" test of issue 14).
 *
 * ```ts
 * const smtp = await TestSmtp.start();
 * const server = await startTestServer({ smtpUrl: smtp.url, mailFrom: 'Shop <shop@shop.example>' });
 * const [mail] = await smtp.waitForMails(1);
 * assert.equal(mail.parsed.headers.get('auto-submitted'), 'auto-replied');
 * await smtp.close();
 * ```
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the server accepted. */
export interface ReceivedMail {
  /** MAIL FROM. */
  readonly envelopeFrom: string;
  /** RCPT TO, in order. */
  readonly envelopeTo: readonly string[];
  /** The message as sent (headers and body). */
  readonly raw: string;
  readonly parsed: ParsedMail;
  /** The Message-ID header, with its angle brackets. */
  readonly messageId: string;
  /** A header's raw value (first occurrence), '' when absent. */
  header(name: string): string;
}

/** Raw header lookup on the unfolded header block. */
function headerOf(raw: string, name: string): string {
  const block = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = block.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
  return line ? line.slice(name.length + 1).trim() : '';
}

export class TestSmtp {
  /** Every message accepted, in arrival order. */
  readonly mails: ReceivedMail[] = [];
  /** While not 0, every transaction is refused with this SMTP code (451: try later; 550: never), the connection itself works. */
  refuseWith = 0;
  private server: SMTPServer;
  private waiters: Array<() => void> = [];

  private constructor(private portNumber: number) {
    this.server = this.make();
  }

  /** Starts a server on 127.0.0.1 (an ephemeral port unless `port` is given). */
  static async start(port = 0): Promise<TestSmtp> {
    const smtp = new TestSmtp(port);
    await smtp.listen();
    return smtp;
  }

  /** The port it listens on. */
  get port(): number {
    return this.portNumber;
  }

  /** The URL for CS_SMTP_URL (plain SMTP on loopback). */
  get url(): string {
    return `smtp://127.0.0.1:${this.portNumber}`;
  }

  /** Resolves with the first `count` mails once that many arrived. @throws after `timeoutMs`. */
  async waitForMails(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SMTP: expected ${count} mails, got ${this.mails.length} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.mails.slice(0, count);
  }

  /** Closes the port: connections are refused until `up()`. */
  async down(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = this.make();
    await this.listen();
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.down();
  }

  private make(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 25 * 1024 * 1024,
      onMailFrom: (_address, _session, callback) => {
        if (!this.refuseWith) return callback();
        const error = new Error(this.refuseWith >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
        error.responseCode = this.refuseWith;
        callback(error);
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (parsed) => {
              this.mails.push({
                envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
                messageId: headerOf(raw, 'Message-ID'),
                header: (name) => headerOf(raw, name),
              });
              for (const wake of this.waiters.splice(0)) wake();
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.portNumber, '127.0.0.1', () => {
        this.portNumber = (this.server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
