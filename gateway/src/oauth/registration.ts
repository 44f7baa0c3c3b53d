import type { JWK } from 'jose';
import type { ClientRecord, ClientType, GatewayStore, GrantType } from '../db/store.ts';
import { registerClient } from '../clients/register-client.ts';
import { ValidationError } from '../validation-error.ts';
import { OAuthError } from './errors.ts';

const METHOD_TO_TYPE: Record<string, ClientType> = {
  none: 'public',
  client_secret_basic: 'confidential-symmetric',
  client_secret_post: 'confidential-symmetric',
  private_key_jwt: 'confidential-asymmetric',
};

/**
 * Dynamic client registration (RFC 7591 §3): client metadata in, the registered client out, through
 * the same rules as the CLI's `client add`.
 */
export async function registerDynamically(store: GatewayStore, metadata: unknown, now: () => Date): Promise<Record<string, unknown>> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw metadataError('The body must be a JSON object');
  const m = metadata as Record<string, unknown>;
  const method = typeof m.token_endpoint_auth_method === 'string' ? m.token_endpoint_auth_method : 'client_secret_basic';
  const type = METHOD_TO_TYPE[method];
  if (!type) throw metadataError('token_endpoint_auth_method must be none, client_secret_basic, client_secret_post or private_key_jwt');
  const grantTypes = m.grant_types === undefined ? ['authorization_code'] : m.grant_types;
  if (!Array.isArray(grantTypes) || grantTypes.length !== 1 || !['authorization_code', 'client_credentials'].includes(grantTypes[0])) {
    throw metadataError('grant_types must be ["authorization_code"] or ["client_credentials"]');
  }
  const strings = (value: unknown, field: string) => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw metadataError(`${field} must be an array of strings`);
    return value as string[];
  };
  const text = (value: unknown, field: string) => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw metadataError(`${field} must be a string`);
    return value;
  };
  try {
    const { client, secret } = await registerClient(
      store,
      {
        name: text(m.client_name, 'client_name') ?? 'Unnamed app',
        type,
        grantType: grantTypes[0] as GrantType,
        redirectUris: strings(m.redirect_uris, 'redirect_uris'),
        launchUri: text(m.launch_uri ?? m.initiate_login_uri, 'launch_uri'),
        scope: text(m.scope, 'scope'),
        jwks: m.jwks as { keys: JWK[] } | undefined,
        jwksUri: text(m.jwks_uri, 'jwks_uri'),
        policyUri: text(m.policy_uri, 'policy_uri'),
      },
      now,
    );
    return response(client, method, secret);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new OAuthError(error.field === 'redirect-uri' ? 'invalid_redirect_uri' : 'invalid_client_metadata', error.message);
    }
    throw error;
  }
}

function response(client: ClientRecord, method: string, secret: string | undefined): Record<string, unknown> {
  return {
    client_id: client.clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: method,
    scope: client.scope,
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...(client.launchUri ? { launch_uri: client.launchUri } : {}),
    ...(client.policyUri ? { policy_uri: client.policyUri } : {}),
  };
}

function metadataError(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description);
}
