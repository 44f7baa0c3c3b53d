import nodemailer from 'nodemailer';
import type { OutboxMessage } from '../db/users-records.ts';
import type { MailTransport } from './outbox.ts';

/**
 * Delivers outbox messages to an SMTP server (`SMTP_URL`, e.g. `smtps://user:pass@mail.example:465`
 * or `smtp://…:587` with STARTTLS), from `MAIL_FROM`. Timeouts are short: the person who sent an
 * invitation is waiting, and the message is kept in the outbox either way.
 */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  return {
    async deliver(message: OutboxMessage) {
      await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.body, messageId: `<${message.id}@portico>` });
    },
  };
}
