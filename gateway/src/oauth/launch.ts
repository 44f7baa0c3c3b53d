import type { GatewayStore } from '../db/store.ts';
import { ValidationError } from '../validation-error.ts';
import { hashSecret, newSecret } from './secrets.ts';

export interface LaunchRequest {
  readonly clientId: string;
  readonly patientId: string;
  readonly encounterId?: string;
  /** The user the launch is for (a clinician in the EHR); the app's sign-in must be theirs. */
  readonly userId?: string;
}

export interface CreatedLaunch {
  /** The opaque id handed to the app; only its hash is stored. */
  readonly launch: string;
  readonly iss: string;
  /** The app's launch URI with `iss` and `launch` appended (EHR launch, SMART App Launch §"Launch App"). */
  readonly url: string;
}

/**
 * Creates an EHR launch context: single-use, expiring, bound to the app, the patient, an optional
 * encounter and user. The console's Launch buttons and `npm run cli -- launch` both come here.
 */
export async function createLaunch(
  request: LaunchRequest,
  deps: {
    store: GatewayStore;
    fhirBaseUrl: string;
    now: () => Date;
    lifetimeSeconds: number;
    resourceExists: (reference: string) => Promise<boolean>;
  },
): Promise<CreatedLaunch> {
  const client = await deps.store.clients.findById(request.clientId);
  if (!client || client.disabledAt !== null) throw new ValidationError('client', 'no such enabled app');
  if (!client.launchUri) throw new ValidationError('client', 'this app has no launch URI registered');
  if (!(await deps.resourceExists(`Patient/${request.patientId}`))) throw new ValidationError('patient', `Patient/${request.patientId} does not exist`);
  if (request.encounterId !== undefined && !(await deps.resourceExists(`Encounter/${request.encounterId}`))) {
    throw new ValidationError('encounter', `Encounter/${request.encounterId} does not exist`);
  }
  const launch = newSecret();
  const now = deps.now();
  await deps.store.launches.insert({
    idHash: hashSecret(launch),
    clientId: client.clientId,
    patientId: request.patientId,
    encounterId: request.encounterId ?? null,
    userId: request.userId ?? null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.lifetimeSeconds * 1000),
    consumedAt: null,
  });
  const url = new URL(client.launchUri);
  url.searchParams.append('iss', deps.fhirBaseUrl);
  url.searchParams.append('launch', launch);
  return { launch, iss: deps.fhirBaseUrl, url: url.toString() };
}
