/**
 * Where messages go: SMTP (nodemailer) when GATEHOUSE_SMTP_URL is set, else the embedded default
 * that writes each message as an .eml file (RFC 5322, as SMTP would carry it) into a directory.
 * Neither logs a message's body: the links in it are credentials.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage } from './message.js';

/** Hands one message over; resolves only once the other side accepted it. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

/** A failure of a transport, with a code fit for a log line (never the server's answer). */
export class MailTransportError extends Error {
  override readonly name = 'MailTransportError';
  constructor(readonly code: string) {
    super(`mail transport failed: ${code}`);
  }
}

// Every wait bounded: a delivery attempt holds its lease (delivery.ts) for less than a minute.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown; responseCode?: unknown } | null)?.code;
  const response = (error as { responseCode?: unknown } | null)?.responseCode;
  if (typeof response === 'number') return `SMTP_${response}`;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'UNKNOWN';
};

/**
 * SMTP through nodemailer (`smtp://user:pass@host:587`, `smtps://host:465`).
 *
 * @example const transport = createSmtpTransport('smtp://127.0.0.1:2525', 'Gatehouse <no-reply@example.com>');
 */
export function createSmtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(url, { from, ...SMTP_TIMEOUTS });
  // nodemailer's options type does not list the timeouts beside a URL; they are read all the same.
  return {
    async send(message) {
      try {
        await transporter.sendMail({
          from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: `<${message.id}@gatehouse>`,
        });
      } catch (error) {
        throw new MailTransportError(codeOf(error));
      }
    },
    close() {
      transporter.close();
    },
  };
}

/**
 * The embedded default: each message becomes `<dir>/<id>.eml` (written whole, then renamed, so a
 * reader never sees half a file), and one info line names the file, never the link.
 *
 * @example const transport = createFileTransport({ dir: './data/outbox', from, log });
 */
export function createFileTransport(options: {
  readonly dir: string;
  readonly from: string;
  readonly log: MailLogger;
}): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(message) {
      let raw: Buffer;
      try {
        const info = await builder.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: `<${message.id}@gatehouse>`,
        });
        raw = info.message as Buffer;
        await mkdir(options.dir, { recursive: true, mode: 0o700 });
        const file = join(options.dir, `${message.id}.eml`);
        await writeFile(`${file}.tmp`, raw, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
        options.log.info(
          { file, subject: message.subject },
          'mail written to the outbox directory',
        );
      } catch (error) {
        throw new MailTransportError(codeOf(error));
      }
    },
    close() {
      builder.close();
    },
  };
}
