import type { Patient } from 'fhir/r4';
import { recordAudit } from '../audit/record-audit.ts';
import { DuplicateError, type GatewayStore, type UserRecord } from '../db/store.ts';
import { ValidationError } from '../validation-error.ts';
import type { RequestOrigin } from './invitations.ts';
import { checkPasswordStrength } from './password-strength.ts';
import { newUserRecord } from './register-user.ts';

export interface SelfRegistrationDeps {
  readonly store: GatewayStore;
  readonly now: () => Date;
  /** Writes a Patient to the FHIR store (validated like any FHIR create); returns its id. */
  readonly createPatient: (patient: Patient) => Promise<string>;
  /** Takes back a Patient whose user could not be created. */
  readonly deletePatient: (id: string) => Promise<void>;
}

export interface Registration {
  readonly givenName: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly email: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Patient self-registration (`SELF_REGISTRATION=true`): a new Patient resource with the person's
 * name, birth date and email, and a patient user linked to it. Everything that can be refused is
 * checked before the Patient is written; if the user still cannot be stored (the username taken a
 * moment ago), the Patient is deleted again.
 */
export async function registerPatient(deps: SelfRegistrationDeps, input: Registration, origin: RequestOrigin = {}): Promise<UserRecord> {
  const given = input.givenName.trim();
  const family = input.familyName.trim();
  const email = input.email.trim();
  if (!given || given.length > 100) throw new ValidationError('given-name', 'is required (at most 100 characters)');
  if (!family || family.length > 100) throw new ValidationError('family-name', 'is required (at most 100 characters)');
  if (!isPastDate(input.birthDate, deps.now())) throw new ValidationError('birth-date', 'must be a date in the past, as YYYY-MM-DD');
  if (email.length > 254 || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) throw new ValidationError('email', 'must be an email address such as name@example.org');
  checkPasswordStrength(input.password, { username: input.username, email });
  if (await deps.store.users.findByUsername(input.username.trim())) throw new ValidationError('username', 'is taken; choose another');
  // Validated and hashed with a placeholder link; the real one exists only after the Patient is written.
  const draft = await newUserRecord(
    { username: input.username, password: input.password, role: 'patient', fhirUser: 'Patient/pending', email },
    { now: deps.now, fhirUserExists: async () => true },
  );
  const patientId = await deps.createPatient({
    resourceType: 'Patient',
    active: true,
    name: [{ use: 'official', family, given: given.split(/\s+/) }],
    birthDate: input.birthDate,
    telecom: [{ system: 'email', value: email, use: 'home' }],
  });
  const user: UserRecord = { ...draft, fhirUser: `Patient/${patientId}` };
  try {
    await deps.store.users.insert(user);
  } catch (error) {
    await deps.deletePatient(patientId);
    if (error instanceof DuplicateError) throw new ValidationError('username', 'is taken; choose another');
    throw error;
  }
  await recordAudit(deps.store.audit, {
    category: 'admin',
    action: 'user.self-register',
    outcome: 'success',
    userId: user.id,
    fhirUser: user.fhirUser,
    patientId,
    resourceType: 'Patient',
    resourceId: patientId,
    ...origin,
  });
  return user;
}

function isPastDate(value: string, now: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value && date <= now && date.getUTCFullYear() >= 1900;
}
