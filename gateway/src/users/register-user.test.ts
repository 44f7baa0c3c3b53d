import { beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite, type SqliteDatabase } from '../db/sqlite/connection.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';
import { DuplicateError, type GatewayStore } from '../db/store.ts';
import { verifyPassword } from './password.ts';
import { MIN_PASSWORD_LENGTH, registerUser, type NewUser } from './register-user.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
// The FHIR resources that exist, as the gateway's store would answer (the link check is registerUser's input).
const EXISTING = new Set(['Patient/p1', 'Practitioner/dr1']);

let db: SqliteDatabase;
let store: GatewayStore;
let lookedUp: string[];

beforeEach(() => {
  db = openSqlite(':memory:');
  applyMigrations(db, 'sqlite');
  store = createSqliteStore(db);
  lookedUp = [];
});

const deps = {
  now: () => NOW,
  fhirUserExists: async (reference: string) => {
    lookedUp.push(reference);
    return EXISTING.has(reference);
  },
};
const PATIENT: NewUser = { username: 'alice', password: 'a long passphrase', role: 'patient', fhirUser: 'Patient/p1' };
const register = (input: Partial<NewUser>) => registerUser(store, { ...PATIENT, ...input }, deps);
/** The ValidationError's field, or 'accepted' when registration succeeds. */
const refusal = (input: Partial<NewUser>) =>
  register(input).then(
    () => 'accepted',
    (error: { name: string; field?: string }) => (error.name === 'ValidationError' ? error.field : `unexpected ${error.name}`),
  );

describe('registerUser', () => {
  it('stores a patient linked to their Patient, with a scrypt hash that verifies the password', async () => {
    const user = await register({});
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'alice',
      passwordHash: expect.stringMatching(/^scrypt\$/),
      role: 'patient',
      fhirUser: 'Patient/p1',
      totpSecret: null,
      totpLastStep: null,
      totpPendingSecret: null,
      recoveryCodes: [],
      email: null,
      createdAt: NOW,
      disabledAt: null,
    });
    expect(await store.users.findByUsername('alice')).toEqual(user);
    expect(await verifyPassword('a long passphrase', user.passwordHash)).toBe(true);
    expect(await verifyPassword('a long passphrasE', user.passwordHash)).toBe(false);
    expect(JSON.stringify(db.prepare('SELECT * FROM users').all())).not.toContain('a long passphrase');
    expect(lookedUp).toEqual(['Patient/p1']);
  });

  it('stores a practitioner linked to their Practitioner and an admin with no link', async () => {
    expect(await register({ username: 'dr.one', role: 'practitioner', fhirUser: 'Practitioner/dr1' })).toMatchObject({ fhirUser: 'Practitioner/dr1' });
    expect(await register({ username: 'admin', role: 'admin', fhirUser: undefined })).toMatchObject({ role: 'admin', fhirUser: null });
  });

  it('refuses a username that is taken, keeping the first user', async () => {
    const first = await register({});
    await expect(register({ role: 'admin', fhirUser: undefined })).rejects.toThrow(DuplicateError);
    await expect(register({ role: 'admin', fhirUser: undefined })).rejects.toThrow('username already exists');
    expect(await store.users.findByUsername('alice')).toEqual(first);
  });
});

describe('usernames', () => {
  it.each(['al', 'alice', 'alice.rivera', 'a_b-c+d@example.org', '0wen', 'x'.repeat(64)])('accepts %j', async (username) => {
    expect(await refusal({ username })).toBe('accepted');
  });

  it('trims surrounding spaces', async () => {
    expect((await register({ username: '  alice  ' })).username).toBe('alice');
  });

  it.each([
    ['a', 'too short'],
    ['x'.repeat(65), 'too long'],
    ['Alice', 'upper case'],
    ['ａｌｉｃｅ', 'full-width letters'],
    ['аlice', 'a Cyrillic а that looks Latin'],
    ['alıce', 'a dotless ı'],
    ['josé', 'a letter outside ASCII'],
    ['.alice', 'starting with a dot'],
    ['al ice', 'an inner space'],
    ['al/ice', 'a slash'],
    ['', 'empty'],
  ])('refuses %j (%s)', async (username) => {
    expect(await refusal({ username })).toBe('username');
  });
});

describe('passwords', () => {
  it(`needs at least ${MIN_PASSWORD_LENGTH} characters`, async () => {
    expect(MIN_PASSWORD_LENGTH).toBe(10);
    expect(await refusal({ password: '123456789' })).toBe('password');
    expect(await refusal({ password: '' })).toBe('password');
    expect(await refusal({ password: '1234567890' })).toBe('accepted');
  });
});

describe('roles and their FHIR link', () => {
  it.each([
    ['an unknown role', { role: 'owner' as never }, 'role'],
    ['a patient without a link', { fhirUser: undefined }, 'fhir-user'],
    ['a patient with a blank link', { fhirUser: '  ' }, 'fhir-user'],
    ['a patient linked to a Practitioner', { fhirUser: 'Practitioner/dr1' }, 'fhir-user'],
    ['a practitioner without a link', { role: 'practitioner' as const, fhirUser: undefined }, 'fhir-user'],
    ['a practitioner linked to a Patient', { role: 'practitioner' as const, fhirUser: 'Patient/p1' }, 'fhir-user'],
    ['a link to another resource type', { fhirUser: 'Observation/p1' }, 'fhir-user'],
    ['a link that is a URL', { fhirUser: 'https://other.example/fhir/Patient/p1' }, 'fhir-user'],
    ['a link with a bad id', { fhirUser: 'Patient/p1/_history/1' }, 'fhir-user'],
    ['a link to a Patient that does not exist', { fhirUser: 'Patient/nobody' }, 'fhir-user'],
  ] satisfies [string, Partial<NewUser>, string][])('refuses %s (field %s)', async (_, input, field) => {
    expect(await refusal(input)).toBe(field);
    expect(db.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 0 });
  });

  it('checks the link against the FHIR store only once its form and type are right', async () => {
    await refusal({ fhirUser: 'Practitioner/dr1' });
    await refusal({ fhirUser: 'Observation/p1' });
    expect(lookedUp).toEqual([]);
    await expect(register({ fhirUser: 'Patient/nobody' })).rejects.toThrow('fhir-user: Patient/nobody does not exist');
    expect(lookedUp).toEqual(['Patient/nobody']);
  });
});
