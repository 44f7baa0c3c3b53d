import type { JWK } from 'jose';
import type { NewClient } from '../../clients/register-client.ts';
import type { ClientRecord, ClientType } from '../../db/store.ts';
import { ValidationError } from '../../validation-error.ts';

/** The console's four kinds of app; `backend` is a confidential-asymmetric client using client_credentials. */
export type AppKind = ClientType | 'backend';

export const APP_KINDS: readonly { value: AppKind; label: string }[] = [
  { value: 'public', label: 'Public (browser or native app, PKCE, no secret)' },
  { value: 'confidential-symmetric', label: 'Confidential, client secret' },
  { value: 'confidential-asymmetric', label: 'Confidential, private key JWT (JWKS)' },
  { value: 'backend', label: 'Backend service (client credentials, JWKS)' },
];

/** The form's fields as text (what the person typed, shown again when something must be fixed). */
export interface AppFormValues {
  readonly name: string;
  readonly kind: AppKind;
  readonly redirectUris: string;
  readonly launchUri: string;
  readonly scope: string;
  readonly jwks: string;
  readonly jwksUri: string;
  readonly corsOrigins: string;
  readonly logoUri: string;
  readonly policyUri: string;
  readonly privacyAttestation: string;
}

export const EMPTY_APP_FORM: AppFormValues = {
  name: '',
  kind: 'public',
  redirectUris: '',
  launchUri: '',
  scope: '',
  jwks: '',
  jwksUri: '',
  corsOrigins: '',
  logoUri: '',
  policyUri: '',
  privacyAttestation: '',
};

/** Reads the register/edit form. */
export function readAppForm(form: URLSearchParams): AppFormValues {
  const text = (name: string) => (form.get(name) ?? '').trim();
  const kind = text('type') as AppKind;
  return {
    name: text('name'),
    kind: APP_KINDS.some((k) => k.value === kind) ? kind : 'public',
    redirectUris: text('redirect_uris'),
    launchUri: text('launch_uri'),
    scope: text('scope'),
    jwks: text('jwks'),
    jwksUri: text('jwks_uri'),
    corsOrigins: text('cors_origins'),
    logoUri: text('logo_uri'),
    policyUri: text('policy_uri'),
    privacyAttestation: text('privacy_attestation'),
  };
}

/** The form as client settings for registerClient/updateClient (which hold every rule). */
export function toNewClient(values: AppFormValues): NewClient {
  const lines = (text: string) => text.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== '');
  const optional = (text: string) => (text === '' ? undefined : text);
  const backend = values.kind === 'backend';
  return {
    name: values.name,
    type: backend ? 'confidential-asymmetric' : values.kind,
    grantType: backend ? 'client_credentials' : 'authorization_code',
    redirectUris: lines(values.redirectUris),
    launchUri: optional(values.launchUri),
    scope: optional(values.scope),
    jwks: values.jwks === '' ? undefined : parseJwks(values.jwks),
    jwksUri: optional(values.jwksUri),
    corsOrigins: lines(values.corsOrigins),
    logoUri: optional(values.logoUri),
    policyUri: optional(values.policyUri),
    privacyAttestation: optional(values.privacyAttestation),
  };
}

/** A stored client as form values (the edit form). */
export function formValuesOf(client: ClientRecord): AppFormValues {
  return {
    name: client.name,
    kind: client.grantTypes.includes('client_credentials') ? 'backend' : client.type,
    redirectUris: client.redirectUris.join('\n'),
    launchUri: client.launchUri ?? '',
    scope: client.scope,
    jwks: client.jwks ? JSON.stringify(client.jwks, null, 2) : '',
    jwksUri: client.jwksUri ?? '',
    corsOrigins: client.corsOrigins.join('\n'),
    logoUri: client.logoUri ?? '',
    policyUri: client.policyUri ?? '',
    privacyAttestation: client.privacyAttestation ?? '',
  };
}

/** The app list's short name for what kind of app a client is (a client-credentials client is a backend service, whatever its type). */
export function kindLabel(client: ClientRecord): string {
  const kind: AppKind = client.grantTypes.includes('client_credentials') ? 'backend' : client.type;
  return APP_KINDS.find((k) => k.value === kind)?.label.replace(/ \(.*\)$/, '') ?? kind;
}

function parseJwks(text: string): { keys: JWK[] } {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as { keys: JWK[] };
  } catch {
    // Reported below, in the form's words.
  }
  throw new ValidationError('jwks', 'must be a JSON JWK Set ({"keys": [...]})');
}
