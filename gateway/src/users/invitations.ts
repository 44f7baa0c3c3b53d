import { recordAudit } from '../audit/record-audit.ts';
import type { GatewayStore, UserRecord, UserRole } from '../db/store.ts';
import type { InvitationRecord } from '../db/users-records.ts';
import { hashSecret, newSecret } from '../oauth/secrets.ts';
import { ValidationError } from '../validation-error.ts';
import type { Mailer } from './outbox.ts';
import { checkPasswordStrength } from './password-strength.ts';
import { newUserRecord } from './register-user.ts';

export const INVITATION_DAYS = 7;
const ROLES: readonly UserRole[] = ['patient', 'practitioner', 'admin'];

export interface InvitationDeps {
  readonly store: GatewayStore;
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly now: () => Date;
  readonly fhirUserExists: (reference: string) => Promise<boolean>;
}

/** Where a request came from, for the audit trail. */
export interface RequestOrigin {
  readonly sourceAddress?: string | null;
  readonly requestId?: string | null;
}

export interface NewInvitation {
  readonly email: string;
  readonly role: UserRole;
  /** `Patient/ID` for a patient, `Practitioner/ID` for a practitioner; none for an admin. */
  readonly fhirUser?: string;
  /** The admin inviting (a user id); absent from the command line. */
  readonly invitedBy?: string;
}

/** An invitation that cannot be used, and why (for the person who opened the link). */
export class InvitationUnusable extends Error {
  constructor(readonly reason: 'unknown' | 'used' | 'expired') {
    super(
      reason === 'used'
        ? 'This invitation has already been accepted. Sign in with the password you chose.'
        : reason === 'expired'
          ? 'This invitation has expired. Ask your practice for a new one.'
          : 'This invitation link is not valid. Check that you opened the whole link.',
    );
    this.name = 'InvitationUnusable';
  }
}

/**
 * Invites a person by email to become a user with `role`: a random token (stored hashed) in a link
 * `{PUBLIC_URL}/account/invite/{token}`, single-use, valid {@link INVITATION_DAYS} days. The link is
 * mailed (to the outbox, and by SMTP when configured) and returned, for the console and the CLI.
 */
export async function inviteUser(deps: InvitationDeps, input: NewInvitation, origin: RequestOrigin = {}): Promise<{ invitationUrl: string; invitation: InvitationRecord }> {
  const email = input.email.trim();
  // Deliberately loose (RFC 5321 allows far more than any regex): one @, something either side, no spaces.
  if (email.length > 254 || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) throw new ValidationError('email', 'must be an email address such as name@example.org');
  if (!ROLES.includes(input.role)) throw new ValidationError('role', 'must be patient, practitioner or admin');
  const fhirUser = await checkLink(input.role, input.fhirUser, deps.fhirUserExists);
  const token = newSecret();
  const now = deps.now();
  const invitation: InvitationRecord = {
    tokenHash: hashSecret(token),
    email,
    role: input.role,
    fhirUser,
    invitedBy: input.invitedBy ?? null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000),
    acceptedAt: null,
    userId: null,
  };
  await deps.store.invitations.insert(invitation);
  const invitationUrl = `${deps.publicUrl}/account/invite/${token}`;
  await recordAudit(deps.store.audit, {
    category: 'admin',
    action: 'user.invite',
    outcome: 'success',
    userId: input.invitedBy ?? null,
    fhirUser,
    detail: `role ${input.role}`,
    ...origin,
  });
  await deps.mailer.send({
    to: email,
    subject: 'You are invited to Portico',
    body: [
      'Hello,',
      '',
      `You have been invited to Portico as ${input.role === 'admin' ? 'a practice admin' : `a ${input.role}`}.`,
      'Open this link to choose your username and password:',
      '',
      invitationUrl,
      '',
      `The link works once and expires on ${invitation.expiresAt.toUTCString()}.`,
      'If you did not expect this invitation, ignore this message.',
    ].join('\n'),
  });
  return { invitationUrl, invitation };
}

/** The invitation a link's token names, if it can still be accepted; otherwise {@link InvitationUnusable}. */
export async function openInvitation(store: GatewayStore, token: string, now: Date): Promise<InvitationRecord> {
  const invitation = /^[\w-]{20,100}$/.test(token) ? await store.invitations.find(hashSecret(token)) : undefined;
  if (!invitation) throw new InvitationUnusable('unknown');
  if (invitation.acceptedAt) throw new InvitationUnusable('used');
  if (invitation.expiresAt <= now) throw new InvitationUnusable('expired');
  return invitation;
}

/**
 * Accepts an invitation: the person chooses a username and a password (strength-checked), and
 * becomes a user with the invitation's role, link and email — in one transaction with using the
 * invitation up, so a link makes at most one user.
 */
export async function acceptInvitation(
  deps: Omit<InvitationDeps, 'mailer' | 'publicUrl'>,
  token: string,
  choice: { username: string; password: string },
  origin: RequestOrigin = {},
): Promise<UserRecord> {
  const now = deps.now();
  const invitation = await openInvitation(deps.store, token, now);
  checkPasswordStrength(choice.password, { username: choice.username, email: invitation.email });
  const user = await newUserRecord(
    { username: choice.username, password: choice.password, role: invitation.role, fhirUser: invitation.fhirUser ?? undefined, email: invitation.email },
    { now: deps.now, fhirUserExists: deps.fhirUserExists },
  );
  const result = await deps.store.invitations.accept(invitation.tokenHash, user, now);
  if (!result.ok) {
    if (result.reason === 'duplicate-username') throw new ValidationError('username', 'is taken; choose another');
    throw new InvitationUnusable(result.reason);
  }
  await recordAudit(deps.store.audit, { category: 'admin', action: 'user.accept-invitation', outcome: 'success', userId: user.id, fhirUser: user.fhirUser, detail: `role ${user.role}`, ...origin });
  return user;
}

/** The FHIR link a role needs: patients a Patient, practitioners a Practitioner (both must exist), admins none. */
async function checkLink(role: UserRole, raw: string | undefined, exists: (reference: string) => Promise<boolean>): Promise<string | null> {
  const reference = raw?.trim() || null;
  const type = role === 'patient' ? 'Patient' : role === 'practitioner' ? 'Practitioner' : null;
  if (type === null) {
    if (reference !== null) throw new ValidationError('fhir-user', 'an admin is not linked to a FHIR resource');
    return null;
  }
  if (reference === null) throw new ValidationError('fhir-user', `a ${role} must be linked to a ${type}/ID`);
  if (!new RegExp(`^${type}/[A-Za-z0-9\\-.]{1,64}$`).test(reference)) throw new ValidationError('fhir-user', `must be ${type}/ID for a ${role}`);
  if (!(await exists(reference))) throw new ValidationError('fhir-user', `${reference} does not exist`);
  return reference;
}
