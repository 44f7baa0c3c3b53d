import type { OutboxMessage } from '../../db/users-records.ts';
import { utcMinute } from '../console-format.ts';
import { ConsoleLayout, type ConsoleFrame } from '../console-layout.tsx';

/** The mail the gateway has sent (or would have): newest first. */
export function OutboxPage(props: ConsoleFrame & { messages: readonly OutboxMessage[]; smtp: boolean }) {
  return (
    <ConsoleLayout title="Outbox" user={props.user} csrf={props.csrf} nav="outbox">
      <h1>Outbox</h1>
      <p class="muted">
        {props.smtp
          ? 'Mail Portico sends: invitations and security notices. Each is also delivered by the configured SMTP server.'
          : 'Mail Portico would send: invitations and security notices. No SMTP server is configured (SMTP_URL), so pass the links on yourself.'}
      </p>
      {props.messages.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Delivered</th>
            </tr>
          </thead>
          <tbody>
            {props.messages.map((m) => (
              <tr>
                <td>{utcMinute(m.createdAt)}</td>
                <td>{m.to}</td>
                <td>
                  <a href={`/admin/outbox/${encodeURIComponent(m.id)}`}>{m.subject}</a>
                </td>
                <td>{m.sentAt ? utcMinute(m.sentAt) : 'Not sent'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ConsoleLayout>
  );
}

/** One message, as plain text. */
export function OutboxMessagePage(props: ConsoleFrame & { message: OutboxMessage }) {
  const m = props.message;
  return (
    <ConsoleLayout title={m.subject} user={props.user} csrf={props.csrf} nav="outbox">
      <p>
        <a href="/admin/outbox">← Outbox</a>
      </p>
      <h1>{m.subject}</h1>
      <dl>
        <dt>To</dt>
        <dd>{m.to}</dd>
        <dt>Created</dt>
        <dd>{utcMinute(m.createdAt)}</dd>
        <dt>Delivered</dt>
        <dd>{m.sentAt ? utcMinute(m.sentAt) : 'Not sent (no SMTP server, or delivery failed)'}</dd>
      </dl>
      <div class="secret" aria-label="Message text">
        {m.body.split('\n').map((line) => (
          <>
            {line}
            <br />
          </>
        ))}
      </div>
    </ConsoleLayout>
  );
}
