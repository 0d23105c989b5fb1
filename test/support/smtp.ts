/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, no TLS, no auth): it keeps every message
 * it accepts, and can be stopped and started again on the same port (an outage).
 */
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: readonly string[];
  /** The message as SMTP carried it (RFC 5322). */
  readonly raw: string;
  /** Its text decoded from quoted-printable, where a link can be searched for. */
  readonly decoded: string;
}

export interface TestSmtp {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Resolves when at least `count` messages arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Quoted-printable (RFC 2045 section 6.7) as nodemailer writes it: soft breaks and =XX. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The first link to `page` (under `base`) in a message, and its token. */
export function findLink(
  mail: Pick<ReceivedMail, 'decoded'>,
  page: string,
  base = 'https://auth.test',
): { url: string; token: string } {
  const escaped = `${base}${page}`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`${escaped}#token=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)`).exec(mail.decoded);
  if (match === null) throw new Error(`no ${page} link in the message`);
  return { url: match[0], token: match[1] as string };
}

/** The token of the first link to `page` in a message. */
export function linkToken(mail: Pick<ReceivedMail, 'decoded'>, page: string): string {
  return findLink(mail, page).token;
}

/**
 * Starts the server on a free port (or the given one).
 *
 * @example const smtp = await startTestSmtp(); ...; await smtp.stop();
 */
export async function startTestSmtp(port = 0): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let server: SMTPServer;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            decoded: decodeQuotedPrintable(raw),
          });
          for (const wake of waiters.splice(0)) wake();
          callback();
        });
      },
    });
  const listen = (on: number) =>
    new Promise<number>((resolve, reject) => {
      server = make();
      server.on('error', () => {});
      server.listen(on, '127.0.0.1', () => {
        const address = server.server.address();
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  const bound = await listen(port);
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    received,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} messages, received ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async start() {
      await listen(bound);
    },
  };
}
