import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config';

/** An iTIP part (RFC 5546): REQUEST invites or updates, CANCEL removes; `content` is a whole VCALENDAR. */
export type CalendarPart = { method: 'REQUEST' | 'CANCEL' | 'PUBLISH'; content: string };

export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html: string;
  calendar?: CalendarPart;
  /** The person the mail is for, when it is for an account: their message history, erasure. */
  userId?: number | null;
  /** What the mail is, e.g. 'enrollment.confirmed' or 'reminder.session'; shown in the message history. */
  kind?: string;
};
export type Mailer = { send(mail: OutgoingMail): Promise<void>; close(): void };

/**
 * Sends over SMTP when SMTP_URL is set. Without it every message is written to
 * var/mail/ as an .eml file (open it in any mail program) and logged, so the demo
 * works offline.
 */
export function createMailer(config: Config, logger: Logger, transport?: Transporter): Mailer {
  if (transport) return wrap(transport, config, logger, null);
  if (config.mail.smtpUrl) return wrap(nodemailer.createTransport(config.mail.smtpUrl), config, logger, null);
  return wrap(nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }), config, logger, config.mail.dir);
}

function wrap(transport: Transporter, config: Config, logger: Logger, directory: string | null): Mailer {
  return {
    async send(mail) {
      const { calendar, to, subject, text, html } = mail;
      // nodemailer puts an iTIP part both inline (text/calendar; method=…) and as an .ics attachment,
      // which is what Outlook, Thunderbird and Apple Mail need to offer "accept".
      const icalEvent = calendar ? { method: calendar.method, content: calendar.content, filename: 'einladung.ics' } : undefined;
      const info = await transport.sendMail({ from: config.mail.from, to, subject, text, html, icalEvent });
      if (directory) {
        await fs.mkdir(directory, { recursive: true });
        const file = path.join(directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
        await fs.writeFile(file, (info as unknown as { message: Buffer }).message);
        logger.info({ file, subject: mail.subject }, 'mail written to file (no SMTP_URL set)');
      } else {
        logger.info({ messageId: info.messageId, subject: mail.subject }, 'mail sent');
      }
    },
    close() {
      transport.close();
    },
  };
}
