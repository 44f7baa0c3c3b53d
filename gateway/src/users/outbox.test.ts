import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite } from '../db/sqlite/connection.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';
import type { GatewayStore } from '../db/store.ts';
import { configuredMailer } from './mailer.ts';
import { createMailer } from './outbox.ts';

const T0 = new Date('2026-11-23T10:00:00Z');
const MAIL = { to: 'dr.kim@clinic.example', subject: 'Hello', body: 'Line one\nhttps://portico.example/account/invite/abc' };

/** A minimal SMTP server on a loopback port (RFC 5321 happy path), recording what it was sent. */
async function smtpServer(options: { refuseRecipient?: boolean } = {}) {
  const received: { from: string; to: string; data: string }[] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let current = { from: '', to: '', data: '' };
    let inData = false;
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { from: '', to: '', data: '' };
            socket.write('250 queued\r\n');
          } else current.data += `${line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 test\r\n');
        else if (verb === 'MAIL') (current.from = line), socket.write('250 ok\r\n');
        else if (verb === 'RCPT') (current.to = line), socket.write(options.refuseRecipient ? '550 no such user\r\n' : '250 ok\r\n');
        else if (verb === 'DATA') (inData = true), socket.write('354 go ahead\r\n');
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

let store: GatewayStore;
let closers: (() => unknown)[] = [];
beforeEach(() => {
  const db = openSqlite(':memory:');
  applyMigrations(db, 'sqlite');
  store = createSqliteStore(db);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the outbox', () => {
  it('keeps every message, unsent, when no SMTP server is configured', async () => {
    const sent = await createMailer({ outbox: store.outbox, now: () => T0 }).send(MAIL);
    expect(sent).toMatchObject({ ...MAIL, createdAt: T0, sentAt: null });
    expect(await store.outbox.list(5)).toEqual([sent]);
    expect(await store.outbox.find(sent.id)).toEqual(sent);
  });

  it('delivers through SMTP_URL from MAIL_FROM and records when', async () => {
    const smtp = await smtpServer();
    closers.push(smtp.close);
    const mailer = configuredMailer({ url: smtp.url, from: 'Portico <no-reply@clinic.example>' }, store.outbox, () => T0);
    const sent = await mailer.send(MAIL);
    expect(sent.sentAt).toEqual(T0);
    expect((await store.outbox.find(sent.id))!.sentAt).toEqual(T0);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.from).toContain('<no-reply@clinic.example>');
    expect(smtp.received[0]!.to).toContain('<dr.kim@clinic.example>');
    expect(smtp.received[0]!.data).toContain('Subject: Hello');
    expect(smtp.received[0]!.data).toContain('https://portico.example/account/invite/abc');
  });

  it('keeps a message the SMTP server refused, unsent, and logs no address', async () => {
    const smtp = await smtpServer({ refuseRecipient: true });
    closers.push(smtp.close);
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), error: (m: string, f?: Record<string, unknown>) => lines.push(`${m} ${JSON.stringify(f)}`) };
    const sent = await configuredMailer({ url: smtp.url, from: 'Portico <no-reply@clinic.example>' }, store.outbox, () => T0, log).send(MAIL);
    expect(sent.sentAt).toBeNull();
    expect((await store.outbox.find(sent.id))!.sentAt).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('mail delivery failed');
    expect(lines.join('\n')).not.toContain('clinic.example');
  });
});
