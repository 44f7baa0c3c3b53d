import type { SmtpConfig } from '../config.ts';
import type { OutboxRepository } from '../db/users-records.ts';
import type { Logger } from '../log.ts';
import { createMailer, type Mailer } from './outbox.ts';
import { smtpTransport } from './smtp-transport.ts';

/** The gateway's mailer from its configuration: the outbox always, SMTP delivery when `SMTP_URL` is set. */
export function configuredMailer(smtp: SmtpConfig | null, outbox: OutboxRepository, now: () => Date, log?: Logger): Mailer {
  return createMailer({ outbox, now, log, transport: smtp ? smtpTransport(smtp.url, smtp.from) : undefined });
}
