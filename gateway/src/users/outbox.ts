import { randomUUID } from 'node:crypto';
import type { OutboxMessage, OutboxRepository } from '../db/users-records.ts';
import type { Logger } from '../log.ts';

/** A message to send: plain text to one address. */
export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/**
 * How the gateway sends mail (invitations, security notices). Every message lands in the outbox,
 * which the console shows — Portico sends no mail of its own; with `SMTP_URL` set it is also handed
 * to that SMTP server.
 */
export interface Mailer {
  send(mail: Mail): Promise<OutboxMessage>;
}

/** Delivers one message somewhere outside the gateway (an SMTP server). */
export interface MailTransport {
  deliver(message: OutboxMessage): Promise<void>;
}

/**
 * The mailer: stores each message in the outbox, then delivers it through `transport` when there is
 * one. A delivery failure is logged (without the address) and leaves the message unsent in the
 * outbox, where an admin can still read it; the caller's action is not undone.
 */
export function createMailer(deps: { outbox: OutboxRepository; now: () => Date; transport?: MailTransport; log?: Logger }): Mailer {
  return {
    async send(mail) {
      const message: OutboxMessage = { id: randomUUID(), to: mail.to, subject: mail.subject, body: mail.body, createdAt: deps.now(), sentAt: null };
      await deps.outbox.insert(message);
      if (!deps.transport) return message;
      try {
        await deps.transport.deliver(message);
      } catch (error) {
        deps.log?.error('mail delivery failed; the message stays in the outbox', { message: message.id, reason: (error as { code?: string }).code ?? 'error' });
        return message;
      }
      const sentAt = deps.now();
      await deps.outbox.markSent(message.id, sentAt);
      return { ...message, sentAt };
    },
  };
}
