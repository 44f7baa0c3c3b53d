import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { registerClient } from '../clients/register-client.ts';
import type { ClientType, GrantType, UserRole } from '../db/store.ts';
import type { GatewayCore } from '../gateway.ts';
import { createLogger } from '../log.ts';
import { createProgress } from '../progress.ts';
import { seedDemo } from '../seed/seed-demo.ts';
import { registerUser } from '../users/register-user.ts';
import { inviteUser } from '../users/invitations.ts';
import { configuredMailer } from '../users/mailer.ts';
import { createLaunch } from '../oauth/launch.ts';
import { hashSecret, newSecret } from '../oauth/secrets.ts';
import { recordAudit } from '../audit/record-audit.ts';

export class UsageError extends Error {}

export interface Command<A = unknown> {
  readonly name: string;
  readonly usage: string;
  parse(argv: readonly string[]): A;
  run(gateway: GatewayCore, args: A): Promise<Record<string, unknown>>;
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

function options<const T extends OptionSpec>(argv: readonly string[], spec: T) {
  try {
    return parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>({
      args: [...argv],
      options: spec,
      strict: true,
      allowPositionals: false,
    }).values as unknown as Record<keyof T, string | string[] | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

function oneOf<T extends string>(value: unknown, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const clientAdd: Command<ReturnType<typeof parseClientAdd>> = {
  name: 'client add',
  usage:
    '--name NAME --redirect-uri URI [--redirect-uri URI…] [--launch-uri URI] [--type public|confidential-symmetric|confidential-asymmetric] ' +
    '[--jwks-uri URL | --jwks-file FILE] [--scope "SCOPES"] [--grant-type authorization_code|client_credentials] [--policy-uri URL]',
  parse: parseClientAdd,
  async run(gateway, args) {
    const { client, secret } = await registerClient(gateway.store, args, gateway.now);
    return { client_id: client.clientId, ...(secret ? { client_secret: secret } : {}) };
  },
};

function parseClientAdd(argv: readonly string[]) {
  const v = options(argv, {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'launch-uri': { type: 'string' },
    type: { type: 'string' },
    'jwks-uri': { type: 'string' },
    'jwks-file': { type: 'string' },
    scope: { type: 'string' },
    'grant-type': { type: 'string' },
    'policy-uri': { type: 'string' },
  });
  let jwks;
  if (v['jwks-file'] !== undefined) {
    try {
      jwks = JSON.parse(fs.readFileSync(v['jwks-file'] as string, 'utf8'));
    } catch (error) {
      throw new UsageError(`--jwks-file: cannot read a JSON Web Key Set from ${v['jwks-file']} (${(error as Error).message})`);
    }
  }
  return {
    name: required(v.name, 'name'),
    redirectUris: (v['redirect-uri'] as string[] | undefined) ?? [],
    launchUri: v['launch-uri'] as string | undefined,
    type: oneOf<ClientType>(v.type, 'type', ['public', 'confidential-symmetric', 'confidential-asymmetric']),
    jwksUri: v['jwks-uri'] as string | undefined,
    jwks,
    scope: v.scope as string | undefined,
    grantType: oneOf<GrantType>(v['grant-type'], 'grant-type', ['authorization_code', 'client_credentials']),
    policyUri: v['policy-uri'] as string | undefined,
  };
}

const userAdd: Command<{ username: string; password: string; role: UserRole; fhirUser?: string }> = {
  name: 'user add',
  usage: '--username NAME --password PASSWORD --role patient|practitioner|admin [--fhir-user Patient/ID|Practitioner/ID]',
  parse(argv) {
    const v = options(argv, {
      username: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      'fhir-user': { type: 'string' },
    });
    return {
      username: required(v.username, 'username'),
      password: required(v.password, 'password'),
      role: oneOf<UserRole>(required(v.role, 'role'), 'role', ['patient', 'practitioner', 'admin'])!,
      fhirUser: v['fhir-user'] as string | undefined,
    };
  },
  async run(gateway, args) {
    const user = await registerUser(gateway.store, args, {
      now: gateway.now,
      fhirUserExists: async (reference) => gateway.resources.isLive(reference),
    });
    return { id: user.id, username: user.username, fhirUser: user.fhirUser };
  },
};

const userInvite: Command<{ email: string; role: UserRole; fhirUser?: string }> = {
  name: 'user invite',
  usage: '--email EMAIL --role patient|practitioner|admin [--fhir-user Patient/ID|Practitioner/ID] (a single-use link, valid 7 days, also put in the outbox)',
  parse(argv) {
    const v = options(argv, { email: { type: 'string' }, role: { type: 'string' }, 'fhir-user': { type: 'string' } });
    return {
      email: required(v.email, 'email'),
      role: oneOf<UserRole>(required(v.role, 'role'), 'role', ['patient', 'practitioner', 'admin'])!,
      fhirUser: v['fhir-user'] as string | undefined,
    };
  },
  async run(gateway, args) {
    const { invitationUrl } = await inviteUser(
      {
        store: gateway.store,
        // A failed SMTP delivery is reported on stderr (without the address), as the gateway logs it.
        mailer: configuredMailer(gateway.config.smtp, gateway.store.outbox, gateway.now, createLogger()),
        publicUrl: gateway.config.publicUrl,
        now: gateway.now,
        fhirUserExists: async (reference) => gateway.resources.isLive(reference),
      },
      args,
    );
    return { invitationUrl };
  },
};

const seedDemoCommand: Command<Record<string, never>> = {
  name: 'seed demo',
  usage: '(adds whatever of the synthetic demo practice is missing)',
  parse(argv) {
    options(argv, {});
    return {};
  },
  async run(gateway) {
    const report = await seedDemo(gateway, (total) => createProgress('Seeding demo data', total));
    return { ...report };
  },
};

const keysRotate: Command<Record<string, never>> = {
  name: 'keys rotate',
  usage: '(new signing keys; the old ones keep verifying until their tokens expire)',
  parse(argv) {
    options(argv, {});
    return {};
  },
  async run(gateway) {
    const created = await gateway.keys.rotate();
    const retention = gateway.config.maxAccessTokenSeconds + 300;
    return {
      current: created.map((k) => ({ kid: k.kid, alg: k.alg })),
      previousKeysVerifyUntil: new Date(gateway.now().getTime() + retention * 1000).toISOString(),
    };
  },
};

const clientToken: Command<Record<string, never>> = {
  name: 'client token',
  usage: '(an initial access token for dynamic client registration, valid 24 hours, usable once)',
  parse(argv) {
    options(argv, {});
    return {};
  },
  async run(gateway) {
    const token = newSecret();
    const now = gateway.now();
    await gateway.store.initialAccessTokens.insert(hashSecret(token), now, new Date(now.getTime() + 86_400_000));
    return { initial_access_token: token };
  },
};

const launch: Command<{ clientId: string; patientId: string; encounterId?: string; username?: string }> = {
  name: 'launch',
  usage: '--client CLIENT_ID --patient PATIENT_ID [--encounter ENCOUNTER_ID] [--user USERNAME]',
  parse(argv) {
    const v = options(argv, { client: { type: 'string' }, patient: { type: 'string' }, encounter: { type: 'string' }, user: { type: 'string' } });
    return {
      clientId: required(v.client, 'client'),
      patientId: required(v.patient, 'patient'),
      encounterId: v.encounter as string | undefined,
      username: v.user as string | undefined,
    };
  },
  async run(gateway, args) {
    const user = args.username === undefined ? undefined : await gateway.store.users.findByUsername(args.username);
    if (args.username !== undefined && !user) throw new UsageError(`--user: no user named ${args.username}`);
    const created = await createLaunch(
      { clientId: args.clientId, patientId: args.patientId, encounterId: args.encounterId, userId: user?.id },
      {
        store: gateway.store,
        fhirBaseUrl: gateway.config.fhirBaseUrl,
        now: gateway.now,
        lifetimeSeconds: gateway.config.lifetimes.launch,
        resourceExists: async (reference) => gateway.resources.isLive(reference),
      },
    );
    return { ...created };
  },
};

const grantsRevoke: Command<{ clientId: string; patientId?: string }> = {
  name: 'grants revoke',
  usage: '--client CLIENT_ID [--patient PATIENT_ID] (their tokens are refused from the next request on)',
  parse(argv) {
    const v = options(argv, { client: { type: 'string' }, patient: { type: 'string' } });
    return { clientId: required(v.client, 'client'), patientId: v.patient as string | undefined };
  },
  async run(gateway, args) {
    const revoked = await gateway.store.grants.revokeWhere(
      { clientId: args.clientId, ...(args.patientId ? { patientId: args.patientId } : {}) },
      'revoked by an administrator',
      gateway.now(),
    );
    await recordAudit(gateway.store.audit, {
      category: 'admin',
      action: 'grant.revoke',
      outcome: 'success',
      clientId: args.clientId,
      patientId: args.patientId ?? null,
      recordedAt: gateway.now(),
      detail: `command line: ${revoked} grant(s)`,
    });
    return { revoked };
  },
};

const auditVerify: Command<Record<string, never>> = {
  name: 'audit verify',
  usage: '(re-computes the audit trail\'s hash chain; fails naming the first edited or missing row)',
  parse(argv) {
    options(argv, {});
    return {};
  },
  async run(gateway) {
    const result = await gateway.store.audit.verifyChain();
    if (!result.ok) throw new Error(`the audit trail was altered: the chain breaks at row ${result.brokenAt} (of ${result.checked} checked)`);
    return { ok: true, checked: result.checked };
  },
};

export const COMMANDS: readonly Command<any>[] = [
  clientAdd,
  clientToken,
  userAdd,
  userInvite,
  launch,
  grantsRevoke,
  seedDemoCommand,
  keysRotate,
  auditVerify,
];
