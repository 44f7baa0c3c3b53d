import { PORTAL_CLIENT_ID, PORTAL_SCOPES } from '@portico/shared/portal/portal-client';
import type { ClientRecord, GatewayStore } from '../db/store.ts';

/** The portal's registration, as the contract fixes it; every start makes the stored client match. */
export function portalClientSettings(publicUrl: string) {
  return {
    name: 'Portico patient portal',
    type: 'public',
    // fhirclient resolves the portal's `redirectUri: '/portal/'` against the page: this exact string.
    redirectUris: [`${publicUrl}/portal/`],
    postLogoutRedirectUris: [`${publicUrl}/portal/signed-out`],
    scope: PORTAL_SCOPES,
    grantTypes: ['authorization_code'],
  } satisfies Partial<ClientRecord>;
}

/**
 * Registers the patient portal's own SMART client (`portico-portal`, public, PKCE) or brings it up
 * to date. Runs at every start because `PUBLIC_URL` may have changed since the last one, and the
 * redirect URIs are matched exactly. An admin's decision to disable the portal is kept.
 */
export async function upsertPortalClient(store: GatewayStore, publicUrl: string, now: () => Date): Promise<ClientRecord> {
  const settings = portalClientSettings(publicUrl);
  const existing = await store.clients.findById(PORTAL_CLIENT_ID);
  if (!existing) {
    const client: ClientRecord = {
      clientId: PORTAL_CLIENT_ID,
      ...settings,
      launchUri: null,
      secretHash: null,
      jwks: null,
      jwksUri: null,
      policyUri: null,
      createdAt: now(),
      disabledAt: null,
      // Same origin as the gateway: no CORS needed.
      corsOrigins: [],
      logoUri: null,
      privacyAttestation: null,
      updatedAt: null,
    };
    await store.clients.insert(client);
    return client;
  }
  if (matches(existing, settings)) return existing;
  return (await store.clients.update(PORTAL_CLIENT_ID, { ...settings, secretHash: null, jwks: null, jwksUri: null })) ?? existing;
}

function matches(client: ClientRecord, settings: ReturnType<typeof portalClientSettings>): boolean {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  return (
    client.name === settings.name &&
    client.type === settings.type &&
    client.scope === settings.scope &&
    client.secretHash === null &&
    client.jwks === null &&
    client.jwksUri === null &&
    same(client.redirectUris, settings.redirectUris) &&
    same(client.postLogoutRedirectUris, settings.postLogoutRedirectUris) &&
    same(client.grantTypes, settings.grantTypes)
  );
}
