import { randomUUID } from 'node:crypto';
import type { GatewayStore, UserRecord, UserRole } from '../db/store.ts';
import { ValidationError } from '../validation-error.ts';
import { hashPassword } from './password.ts';

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly role: UserRole;
  /** `Patient/ID` or `Practitioner/ID`. */
  readonly fhirUser?: string;
  readonly email?: string;
}

const ROLES: readonly UserRole[] = ['patient', 'practitioner', 'admin'];
export const MIN_PASSWORD_LENGTH = 10;

/**
 * Creates a user with a scrypt-hashed password. Patients must be linked to a Patient and
 * practitioners to a Practitioner, because tokens carry that link as `fhirUser`.
 * `fhirUserExists` checks the link against the FHIR store.
 */
export async function registerUser(
  store: GatewayStore,
  input: NewUser,
  deps: { now: () => Date; fhirUserExists: (reference: string) => Promise<boolean> },
): Promise<UserRecord> {
  const user = await newUserRecord(input, deps);
  await store.users.insert(user);
  return user;
}

/** The checks and the password hash of {@link registerUser}, without storing: for callers that store the user in a transaction of their own. */
export async function newUserRecord(input: NewUser, deps: { now: () => Date; fhirUserExists: (reference: string) => Promise<boolean> }): Promise<UserRecord> {
  const username = input.username.trim();
  if (!/^[a-z0-9][a-z0-9._@+-]{1,63}$/.test(username)) {
    throw new ValidationError('username', 'use 2 to 64 lower-case letters, digits or . _ @ + -, starting with a letter or digit');
  }
  if (!ROLES.includes(input.role)) throw new ValidationError('role', 'must be patient, practitioner or admin');
  // Counted in characters as a person sees them, not UTF-16 units.
  if ([...input.password.normalize('NFC')].length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const fhirUser = input.fhirUser?.trim() || null;
  const expectedType = input.role === 'patient' ? 'Patient' : input.role === 'practitioner' ? 'Practitioner' : undefined;
  if (fhirUser !== null) {
    if (!/^(Patient|Practitioner)\/[A-Za-z0-9\-.]{1,64}$/.test(fhirUser)) {
      throw new ValidationError('fhir-user', 'must be Patient/ID or Practitioner/ID');
    }
    if (expectedType && !fhirUser.startsWith(`${expectedType}/`)) {
      throw new ValidationError('fhir-user', `a ${input.role} must be linked to a ${expectedType}`);
    }
    if (!(await deps.fhirUserExists(fhirUser))) throw new ValidationError('fhir-user', `${fhirUser} does not exist`);
  } else if (expectedType) {
    throw new ValidationError('fhir-user', `a ${input.role} must be linked to a ${expectedType}/ID`);
  }
  const user: UserRecord = {
    id: randomUUID(),
    username,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    fhirUser,
    totpSecret: null,
    totpLastStep: null,
    totpPendingSecret: null,
    recoveryCodes: [],
    email: input.email?.trim() || null,
    createdAt: deps.now(),
    disabledAt: null,
  };
  return user;
}
