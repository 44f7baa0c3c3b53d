import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { SigningAlgorithm, SigningKeyRecord, SigningKeyRepository } from '../db/store.ts';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'RS256'];

type Key = CryptoKey | KeyObject;

/** Imports an asymmetric JWK (importJWK's wider return type also covers symmetric keys, never ours). */
async function importKey(jwk: JWK, alg: SigningAlgorithm): Promise<Key> {
  return (await importJWK(jwk, alg)) as Key;
}

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly publicKey: Key;
  privateKey?: KeyObject;
}

export interface KeyRingOptions {
  readonly now: () => Date;
  /** How long a retired key keeps verifying: the longest life of anything it signed. */
  readonly retentionSeconds: number;
}

/**
 * The gateway's signing keys: ES256 signs access tokens, RS256 id_tokens (OpenID Connect requires
 * RS256 support). Keys live in the state store, so every gateway process and the CLI share them;
 * a rotation keeps the old key published until every token it signed has expired.
 */
export class KeyRing {
  private keys: LoadedKey[] = [];
  private loadedVersion: string | undefined;

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly options: KeyRingOptions,
  ) {}

  /** Creates a key for each algorithm that has no current one (first start). */
  async ensureCurrentKeys(): Promise<void> {
    const records = await this.repository.list();
    const missing = SIGNING_ALGORITHMS.filter((alg) => !records.some((r) => r.alg === alg && r.retiredAt === null));
    if (missing.length > 0) await this.install(missing);
    await this.reload();
  }

  /** Makes new current keys for every algorithm; the previous ones keep verifying for the retention period. */
  async rotate(): Promise<SigningKeyRecord[]> {
    const created = await this.install(SIGNING_ALGORITHMS);
    await this.reload();
    return created;
  }

  /** The key that signs new tokens of `alg` (a node:crypto KeyObject, see jws.ts), with its `kid`. */
  async signingKey(alg: SigningAlgorithm): Promise<{ kid: string; key: KeyObject }> {
    await this.refreshIfStale();
    const current = this.keys.find((k) => k.record.alg === alg && k.record.retiredAt === null);
    if (!current) throw new Error(`No current ${alg} signing key`);
    const key = (current.privateKey ??= createPrivateKey({ key: current.record.privateJwk as JsonWebKey, format: 'jwk' }));
    return { kid: current.record.kid, key };
  }

  /**
   * The public key for a `kid` of this gateway, if it still verifies. Only our own key table is
   * consulted: `jku`, `jwk` or `x5u` headers in a presented token are never followed.
   */
  async verificationKey(kid: string | undefined, alg: string | undefined): Promise<Key | undefined> {
    if (kid === undefined) return undefined;
    let found = this.live().find((k) => k.record.kid === kid);
    // Only an unknown kid costs a look at the table: it may be a key another process just rotated in.
    if (!found) {
      await this.refreshIfStale();
      found = this.live().find((k) => k.record.kid === kid);
    }
    return found && found.record.alg === alg ? found.publicKey : undefined;
  }

  /** Public keys that still verify, as a JWK Set (RFC 7517). */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.refreshIfStale();
    return { keys: this.live().map((k) => ({ ...k.record.publicJwk, kid: k.record.kid, alg: k.record.alg, use: 'sig' })) };
  }

  private live(): LoadedKey[] {
    const oldest = this.options.now().getTime() - this.options.retentionSeconds * 1000;
    return this.keys.filter((k) => k.record.retiredAt === null || k.record.retiredAt.getTime() > oldest);
  }

  /** Re-reads the keys when another process (the CLI) has rotated them since we last looked. */
  private async refreshIfStale(): Promise<void> {
    if ((await this.repository.version()) !== this.loadedVersion) await this.reload();
  }

  private async reload(): Promise<void> {
    const version = await this.repository.version();
    const records = await this.repository.list();
    const previous = new Map(this.keys.map((k) => [k.record.kid, k]));
    this.keys = await Promise.all(
      records.map(async (record): Promise<LoadedKey> => {
        const known = previous.get(record.kid);
        if (known) return { ...known, record } as LoadedKey;
        return { record, publicKey: await importKey(record.publicJwk, record.alg) };
      }),
    );
    this.loadedVersion = version;
  }

  private async install(algs: readonly SigningAlgorithm[]): Promise<SigningKeyRecord[]> {
    const now = this.options.now();
    const created = await Promise.all(algs.map((alg) => generateSigningKey(alg, now)));
    const forgetBefore = new Date(now.getTime() - this.options.retentionSeconds * 1000);
    await this.repository.rotate(created, now, forgetBefore);
    return created;
  }
}

/** A new key pair as JWKs; the `kid` is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(alg: SigningAlgorithm, now: Date): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, alg, publicJwk, privateJwk, createdAt: now, retiredAt: null };
}
