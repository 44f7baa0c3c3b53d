import { beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite, type SqliteDatabase } from '../db/sqlite/connection.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';
import type { GatewayStore } from '../db/store.ts';
import { acceptInvitation, inviteUser, openInvitation, type InvitationDeps } from './invitations.ts';
import { createMailer } from './outbox.ts';
import { verifyPassword } from './password.ts';

const T0 = new Date('2026-11-23T10:00:00Z');
const EXISTING = new Set(['Practitioner/dr1', 'Patient/p1']);
const PASSWORD = 'lantern orbit pickle';

let db: SqliteDatabase;
let store: GatewayStore;
let clock: Date;
let deps: InvitationDeps;

beforeEach(() => {
  db = openSqlite(':memory:');
  applyMigrations(db, 'sqlite');
  store = createSqliteStore(db);
  clock = T0;
  const now = () => clock;
  deps = { store, now, publicUrl: 'https://portico.example', mailer: createMailer({ outbox: store.outbox, now }), fhirUserExists: async (r) => EXISTING.has(r) };
});

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const invitePractitioner = () => inviteUser(deps, { email: 'Dr.Kim@example.org', role: 'practitioner', fhirUser: 'Practitioner/dr1', invitedBy: 'admin-1' });

describe('inviteUser', () => {
  it('returns a link with a random token, stores only its hash, mails it and audits the invitation', async () => {
    const { invitationUrl, invitation } = await invitePractitioner();
    expect(invitationUrl).toMatch(/^https:\/\/portico\.example\/account\/invite\/[\w-]{43}$/);
    const token = tokenOf(invitationUrl);
    expect(JSON.stringify(db.prepare('SELECT * FROM invitations').all())).not.toContain(token);
    expect(invitation).toMatchObject({ email: 'Dr.Kim@example.org', role: 'practitioner', fhirUser: 'Practitioner/dr1', invitedBy: 'admin-1', acceptedAt: null });
    expect(invitation.expiresAt.getTime() - T0.getTime()).toBe(7 * 86_400_000);
    const [mail] = await store.outbox.list(10);
    expect(mail).toMatchObject({ to: 'Dr.Kim@example.org', subject: 'You are invited to Portico', sentAt: null });
    expect(mail!.body).toContain(invitationUrl);
    const { events } = await store.audit.list({ action: 'user.invite' }, { limit: 10 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ category: 'admin', outcome: 'success', userId: 'admin-1', fhirUser: 'Practitioner/dr1' });
    expect(JSON.stringify(events)).not.toContain('example.org');
  });

  it.each([
    [{ email: 'not an email' }, 'email'],
    [{ role: 'owner' as never }, 'role'],
    [{ fhirUser: undefined }, 'fhir-user'],
    [{ fhirUser: 'Patient/p1' }, 'fhir-user'],
    [{ fhirUser: 'Practitioner/nobody' }, 'fhir-user'],
    [{ role: 'admin' as const }, 'fhir-user'],
  ])('refuses %o (field %s) and stores nothing', async (change, field) => {
    await expect(inviteUser(deps, { email: 'a@example.org', role: 'practitioner', fhirUser: 'Practitioner/dr1', ...change })).rejects.toMatchObject({ field });
    expect(await store.invitations.list(10)).toEqual([]);
    expect(await store.outbox.list(10)).toEqual([]);
  });
});

describe('acceptInvitation', () => {
  it('creates the user with the role, link and email of the invitation, and the password chosen', async () => {
    const { invitationUrl } = await invitePractitioner();
    clock = new Date(T0.getTime() + 3600_000);
    const user = await acceptInvitation(deps, tokenOf(invitationUrl), { username: 'dr.kim', password: PASSWORD });
    expect(user).toMatchObject({ username: 'dr.kim', role: 'practitioner', fhirUser: 'Practitioner/dr1', email: 'Dr.Kim@example.org', totpSecret: null });
    expect(await verifyPassword(PASSWORD, (await store.users.findByUsername('dr.kim'))!.passwordHash)).toBe(true);
    expect((await store.invitations.list(1))[0]).toMatchObject({ acceptedAt: clock, userId: user.id });
    expect((await store.audit.list({ action: 'user.accept-invitation' }, { limit: 5 })).events).toHaveLength(1);
  });

  it('works once: the link is dead after acceptance', async () => {
    const token = tokenOf((await invitePractitioner()).invitationUrl);
    await acceptInvitation(deps, token, { username: 'dr.kim', password: PASSWORD });
    await expect(acceptInvitation(deps, token, { username: 'dr.kim2', password: PASSWORD })).rejects.toThrow('already been accepted');
    expect(await store.users.findByUsername('dr.kim2')).toBeUndefined();
  });

  it('makes one user of two concurrent acceptances', async () => {
    const token = tokenOf((await invitePractitioner()).invitationUrl);
    const results = await Promise.allSettled([
      acceptInvitation(deps, token, { username: 'first', password: PASSWORD }),
      acceptInvitation(deps, token, { username: 'second', password: PASSWORD }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await store.users.list()).length).toBe(1);
  });

  it('expires after seven days', async () => {
    const token = tokenOf((await invitePractitioner()).invitationUrl);
    clock = new Date(T0.getTime() + 7 * 86_400_000 - 1000);
    await expect(openInvitation(store, token, clock)).resolves.toMatchObject({ role: 'practitioner' });
    clock = new Date(T0.getTime() + 7 * 86_400_000);
    await expect(acceptInvitation(deps, token, { username: 'dr.kim', password: PASSWORD })).rejects.toThrow('expired');
    expect(await store.users.list()).toEqual([]);
  });

  it('refuses unknown and malformed tokens', async () => {
    await invitePractitioner();
    await expect(openInvitation(store, 'x'.repeat(43), T0)).rejects.toThrow('not valid');
    await expect(openInvitation(store, '../../etc', T0)).rejects.toThrow('not valid');
  });

  it('refuses a weak password, or one containing the email, and leaves the invitation usable', async () => {
    const token = tokenOf((await invitePractitioner()).invitationUrl);
    await expect(acceptInvitation(deps, token, { username: 'dr.kim', password: 'short' })).rejects.toMatchObject({ field: 'password' });
    await expect(acceptInvitation(deps, token, { username: 'dr.kim', password: 'password1234' })).rejects.toThrow('commonly used');
    await expect(acceptInvitation(deps, token, { username: 'kimmy', password: 'my dr.kim@example.org pw' })).rejects.toThrow('username or email');
    await expect(acceptInvitation(deps, token, { username: 'Bad Name', password: PASSWORD })).rejects.toMatchObject({ field: 'username' });
    await expect(acceptInvitation(deps, token, { username: 'dr.kim', password: PASSWORD })).resolves.toMatchObject({ username: 'dr.kim' });
  });

  it('refuses a username that is taken, keeping the invitation usable', async () => {
    const first = tokenOf((await invitePractitioner()).invitationUrl);
    const second = tokenOf((await invitePractitioner()).invitationUrl);
    await acceptInvitation(deps, first, { username: 'dr.kim', password: PASSWORD });
    await expect(acceptInvitation(deps, second, { username: 'dr.kim', password: PASSWORD })).rejects.toThrow('username: is taken');
    await expect(openInvitation(store, second, T0)).resolves.toBeDefined();
  });
});
