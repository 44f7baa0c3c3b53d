import type { ClientRecord, GatewayStore } from '../db/store.ts';
import { hashSecret, newSecret } from '../oauth/secrets.ts';
import { ValidationError } from '../validation-error.ts';
import { checkClientSettings, type NewClient, type RegisteredClient } from './register-client.ts';

/**
 * Replaces a client's settings, through the same rules as registration. A client that becomes
 * confidential-symmetric without a secret gets one (returned, shown once); one that stops being
 * symmetric loses its secret. The client id, its grants and its tokens stay.
 */
export async function updateClient(store: GatewayStore, clientId: string, input: NewClient, now: () => Date): Promise<RegisteredClient> {
  const current = await existing(store, clientId);
  const settings = checkClientSettings(input);
  const secret = settings.type === 'confidential-symmetric' && current.secretHash === null ? newSecret() : undefined;
  const secretHash = settings.type !== 'confidential-symmetric' ? null : secret !== undefined ? hashSecret(secret) : current.secretHash;
  const client = (await store.clients.update(clientId, { ...settings, secretHash, updatedAt: now() }))!;
  return secret === undefined ? { client } : { client, secret };
}

/**
 * A new client secret for a confidential-symmetric client, returned once: only its SHA-256 is kept,
 * and the old secret stops working at once.
 */
export async function rotateClientSecret(store: GatewayStore, clientId: string, now: () => Date): Promise<{ client: ClientRecord; secret: string }> {
  const current = await existing(store, clientId);
  if (current.type !== 'confidential-symmetric') throw new ValidationError('type', 'only a confidential-symmetric client has a secret');
  const secret = newSecret();
  const client = (await store.clients.update(clientId, { secretHash: hashSecret(secret), updatedAt: now() }))!;
  return { client, secret };
}

/**
 * Disables or re-enables a client. Disabled, every token it holds is refused from its next request
 * on and it cannot authenticate or start a sign-in; its grants are kept (re-enabling restores them,
 * and patients see the app as disabled in the portal meanwhile).
 */
export async function setClientDisabled(store: GatewayStore, clientId: string, disabled: boolean, now: () => Date): Promise<ClientRecord> {
  await existing(store, clientId);
  const at = now();
  return (await store.clients.update(clientId, { disabledAt: disabled ? at : null, updatedAt: at }))!;
}

async function existing(store: GatewayStore, clientId: string): Promise<ClientRecord> {
  const client = await store.clients.findById(clientId);
  if (!client) throw new ValidationError('client', 'no such app');
  return client;
}
