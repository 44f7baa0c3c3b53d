import { parseScopes, type Scope } from '@portico/shared/smart/scopes';
import type { AuthorizationRequestRecord, GrantDuration, SessionRecord } from '../../db/oauth-records.ts';
import type { GatewayStore, UserRecord, UserRepository } from '../../db/store.ts';
import { confirmEnrolment, MfaError, mfaRequired, verifySecondFactor } from '../../users/mfa.ts';
import { hashSecret, newSecret } from '../secrets.ts';
import { checkPassword } from '../sign-in/authenticate.ts';
import type { LoginThrottle } from '../sign-in/login-throttle.ts';
import { scopeText, type ValidAuthorizationRequest } from './authorization-request.ts';
import { redirectWithParams } from './redirect.ts';

/** Where an authorization flow stands: the page the person sees next. */
export type FlowStep = 'sign-in' | 'one-time-code' | 'enrol-mfa' | 'pick-patient' | 'consent';

export interface FlowDeps {
  readonly store: GatewayStore;
  readonly throttle: LoginThrottle;
  readonly issuer: string;
  readonly now: () => Date;
  readonly lifetimes: { readonly authorizationFlow: number; readonly authorizationCode: number; readonly session: number };
  /** `REQUIRE_STAFF_MFA`: admins and practitioners without MFA set it up before their sign-in completes. */
  readonly requireStaffMfa?: boolean;
}

/** A message for the person on the form, never a detail an attacker could use. */
export class FlowProblem extends Error {}

/**
 * Records a validated /authorize request. `bindingSecret` goes into a cookie: the flow continues only
 * in the browser that started it. An existing sign-in session carries over.
 */
export async function startFlow(
  request: ValidAuthorizationRequest,
  signedIn: { session: SessionRecord; user: UserRecord } | undefined,
  deps: FlowDeps,
): Promise<{ flow: AuthorizationRequestRecord; bindingSecret: string }> {
  const now = deps.now();
  // Someone else signed in on this browser than the user an EHR launch was made for: sign in afresh.
  // A session made without the second factor the practice now requires (staff MFA turned on later,
  // or reset) does not carry over either.
  const owesMfa = signedIn && mfaRequired(signedIn.user, deps.requireStaffMfa ?? false) && !signedIn.user.totpSecret;
  const carried = signedIn && !owesMfa && (!request.launch?.userId || request.launch.userId === signedIn.user.id) ? signedIn : undefined;
  const bindingSecret = newSecret();
  const flow: AuthorizationRequestRecord = {
    id: newSecret(),
    browserBinding: hashSecret(bindingSecret),
    csrf: newSecret(),
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    state: request.state,
    scope: scopeText(request.scopes),
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    launch: request.launch,
    pendingUserId: null,
    userId: carried?.user.id ?? null,
    sessionId: carried?.session.id ?? null,
    patientId: request.launch?.patientId ?? (carried ? ownPatient(carried.user) : null),
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.lifetimes.authorizationFlow * 1000),
  };
  await deps.store.authorizationRequests.insert(flow);
  return { flow, bindingSecret };
}

/** The flow, if `id` names a live one that this browser (its binding secret) started. */
export async function findFlow(id: string, bindingSecret: string | undefined, deps: FlowDeps): Promise<AuthorizationRequestRecord | undefined> {
  const flow = await deps.store.authorizationRequests.find(id);
  if (!flow || bindingSecret === undefined || flow.browserBinding !== hashSecret(bindingSecret) || flow.expiresAt <= deps.now()) return undefined;
  return flow;
}

/** `users` tells a pending user who must first set up MFA (`enrol-mfa`) from one who owes a code. */
export async function nextStep(flow: AuthorizationRequestRecord, user: UserRecord | undefined, users?: UserRepository): Promise<FlowStep> {
  if (!flow.userId || !user) {
    if (!flow.pendingUserId) return 'sign-in';
    const pending = users && (await users.findById(flow.pendingUserId));
    return pending && !pending.totpSecret ? 'enrol-mfa' : 'one-time-code';
  }
  if (needsPatient(flow, user) && !flow.patientId) return 'pick-patient';
  return 'consent';
}

/** Standalone launches asking for `launch/patient` need a patient: the person's own, or one a clinician picks. */
function needsPatient(flow: AuthorizationRequestRecord, user: UserRecord): boolean {
  const scopes = parseScopes(flow.scope).scopes;
  const wantsPatient = scopes.some((s) => s.kind === 'launch' && s.context === 'patient') || scopes.some((s) => s.kind === 'resource' && s.level === 'patient');
  return wantsPatient && !flow.launch && user.role !== 'patient';
}

/**
 * Password step. On success the flow belongs to the user; users with MFA on still owe a one-time
 * code. Returns the new session's secret when sign-in is complete.
 */
export async function signIn(
  flow: AuthorizationRequestRecord,
  attempt: { username: string; password: string; address: string },
  deps: FlowDeps,
): Promise<{ sessionSecret?: string }> {
  const result = await checkPassword(deps.store.users, deps.throttle, attempt, deps.now());
  if (result.outcome === 'locked') {
    const minutes = Math.max(1, Math.ceil((result.until.getTime() - deps.now().getTime()) / 60_000));
    throw new FlowProblem(`Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
  if (result.outcome === 'invalid') throw new FlowProblem('That username and password do not match.');
  if (result.user.totpSecret || mfaRequired(result.user, deps.requireStaffMfa ?? false)) {
    await deps.store.authorizationRequests.update(flow.id, { pendingUserId: result.user.id });
    return {};
  }
  return { sessionSecret: await completeSignIn(flow, result.user, deps) };
}

/** One-time-code step for users with MFA on; failures count against the account's sign-in throttle. */
export async function verifyOneTimeCode(
  flow: AuthorizationRequestRecord,
  code: string,
  address: string,
  deps: FlowDeps,
): Promise<{ sessionSecret: string }> {
  const user = flow.pendingUserId ? await deps.store.users.findById(flow.pendingUserId) : undefined;
  if (!user) throw new FlowProblem('Please sign in again.');
  const now = deps.now();
  const until = await deps.throttle.lockedUntil(user.username, address, now);
  if (until) throw new FlowProblem('Too many failed attempts. Try again later.');
  // A recovery code is accepted in place of the TOTP code, and used up.
  if (!(await verifySecondFactor(deps.store.users, user, code, now))) {
    await deps.throttle.recordFailure(user.username, address, now);
    throw new FlowProblem('That code is not valid. Enter the current code from your authenticator app.');
  }
  await deps.throttle.recordSuccess(user.username);
  return { sessionSecret: await completeSignIn(flow, user, deps) };
}

/**
 * Enrolment step for staff who must have MFA but have none: the first code from the authenticator
 * turns it on and completes the sign-in. Returns the session's secret and the recovery codes, which
 * the person sees once. Wrong codes count against the sign-in throttle.
 */
export async function confirmMfaInFlow(
  flow: AuthorizationRequestRecord,
  code: string,
  address: string,
  deps: FlowDeps,
): Promise<{ sessionSecret: string; recoveryCodes: string[]; user: UserRecord }> {
  const user = flow.pendingUserId ? await deps.store.users.findById(flow.pendingUserId) : undefined;
  if (!user) throw new FlowProblem('Please sign in again.');
  const now = deps.now();
  if (await deps.throttle.lockedUntil(user.username, address, now)) throw new FlowProblem('Too many failed attempts. Try again later.');
  let recoveryCodes: string[];
  try {
    recoveryCodes = await confirmEnrolment(deps.store, user, code, now, flow.id);
  } catch (error) {
    if (!(error instanceof MfaError)) throw error;
    if (error.reason === 'invalid-code') await deps.throttle.recordFailure(user.username, address, now);
    throw new FlowProblem(error.message);
  }
  await deps.throttle.recordSuccess(user.username);
  return { sessionSecret: await completeSignIn(flow, user, deps), recoveryCodes, user };
}

async function completeSignIn(flow: AuthorizationRequestRecord, user: UserRecord, deps: FlowDeps): Promise<string> {
  if (flow.launch?.userId && flow.launch.userId !== user.id) throw new FlowProblem('This launch was started for another user. Sign in as that user.');
  const now = deps.now();
  const secret = newSecret();
  const session: SessionRecord = {
    id: hashSecret(secret),
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.lifetimes.session * 1000),
    endedAt: null,
  };
  await deps.store.sessions.insert(session);
  const patientId = flow.launch ? flow.patientId : ownPatient(user);
  await deps.store.authorizationRequests.update(flow.id, { pendingUserId: null, userId: user.id, sessionId: session.id, patientId });
  return secret;
}

/** A patient user's own Patient id; clinicians and admins have none (they pick one). */
function ownPatient(user: UserRecord): string | null {
  return user.role === 'patient' && user.fhirUser?.startsWith('Patient/') ? user.fhirUser.slice('Patient/'.length) : null;
}

export async function pickPatient(
  flow: AuthorizationRequestRecord,
  user: UserRecord,
  patientId: string,
  exists: (id: string) => Promise<boolean>,
  deps: FlowDeps,
): Promise<void> {
  // Only a clinician's standalone launch has a patient to choose: a patient's own record and an EHR
  // launch's patient are fixed, and a forged picker post must not swap them for another.
  if (!needsPatient(flow, user)) throw new FlowProblem('There is no patient to choose for this sign-in.');
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patientId) || !(await exists(patientId))) throw new FlowProblem('Choose a patient from the list.');
  await deps.store.authorizationRequests.update(flow.id, { patientId });
}

export interface ConsentDecision {
  readonly allow: boolean;
  /** The scopes left checked; anything not requested is ignored. */
  readonly scopes: readonly string[];
  readonly duration: GrantDuration;
}

/**
 * The person's answer. Allow: an authorization code for exactly the checked scopes (never more than
 * requested), single-use and short-lived. Deny: `access_denied`. Either way the flow ends, and the
 * result is the redirect back to the app.
 */
export async function decide(flow: AuthorizationRequestRecord, decision: ConsentDecision, deps: FlowDeps): Promise<string> {
  // A double-submitted form must not yield two codes: only the request that ends the flow answers.
  if (!(await deps.store.authorizationRequests.delete(flow.id))) throw new FlowProblem('This request was already answered. Go back to the app.');
  const base = { state: flow.state, iss: deps.issuer };
  if (!decision.allow) {
    return redirectWithParams(flow.redirectUri, { error: 'access_denied', error_description: 'The user did not allow access', ...base });
  }
  const user = flow.userId ? await deps.store.users.findById(flow.userId) : undefined;
  // Disabled while the consent page was open: no code (disabling revoked everything else of theirs).
  if (!user || user.disabledAt !== null) throw new FlowProblem('Your account cannot sign in. Contact your practice.');
  const checked = new Set(decision.scopes);
  const granted: Scope[] = offeredScopes(flow, user).filter((s) => checked.has(s.raw));
  const code = newSecret();
  const now = deps.now();
  await deps.store.codes.insert({
    codeHash: hashSecret(code),
    clientId: flow.clientId,
    redirectUri: flow.redirectUri,
    codeChallenge: flow.codeChallenge,
    scope: scopeText(granted),
    userId: flow.userId!,
    sessionId: flow.sessionId,
    patientId: flow.patientId,
    encounterId: flow.launch?.encounterId ?? null,
    nonce: flow.nonce,
    duration: decision.duration,
    needPatientBanner: true,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.lifetimes.authorizationCode * 1000),
    consumedAt: null,
    grantId: null,
  });
  return redirectWithParams(flow.redirectUri, { code, ...base });
}

/**
 * The scopes the consent screen offers this user: what the app asked for, less what the user cannot
 * delegate — a patient has no `user/` access to give (SMART: scopes delegate, never add rights).
 */
export function offeredScopes(flow: AuthorizationRequestRecord, user: UserRecord | undefined): Scope[] {
  const scopes = parseScopes(flow.scope).scopes;
  return user?.role === 'patient' ? scopes.filter((s) => s.kind !== 'resource' || s.level === 'patient') : scopes;
}
