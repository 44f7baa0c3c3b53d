import type { Resource } from 'fhir/r4';
import type { GatewayStore } from '../db/store.ts';
import { DEFAULT_OPTIONS } from '../fhir/interaction.ts';
import type { LocalFhir } from '../fhir/local/local-fhir.ts';
import type { ResourceStore } from '../fhir/local/resource-store.ts';
import { isServedType } from '../fhir/search-parameters.ts';
import type { Progress } from '../progress.ts';
import { registerUser } from '../users/register-user.ts';
import { generateDemoData } from './demo/index.ts';
import { DEMO_USERS } from './demo-users.ts';

export interface SeedDeps {
  readonly fhir: LocalFhir;
  readonly resources: ResourceStore;
  readonly store: GatewayStore;
  readonly now: () => Date;
}

export interface SeedReport {
  readonly created: number;
  readonly alreadyPresent: number;
  readonly usersCreated: readonly string[];
  /** The day the demo was first seeded (ISO date). */
  readonly anchor: string;
}

const ANCHOR_SETTING = 'demo.anchor';
const BATCH = 250;

/**
 * Writes the demo practice through the same validating write path as the FHIR API, creating only
 * what is missing: running it again changes nothing, except adding free slots for days that have
 * come into the two-week booking window since.
 */
export async function seedDemo(deps: SeedDeps, progress: (total: number) => Progress): Promise<SeedReport> {
  const today = deps.now();
  const anchor = await deps.store.settings.getOrSet(ANCHOR_SETTING, today.toISOString().slice(0, 10));
  const { resources } = generateDemoData(new Date(`${anchor}T00:00:00Z`), today);

  const bar = progress(resources.length);
  let created = 0;
  for (let start = 0; start < resources.length; start += BATCH) {
    const batch = resources.slice(start, start + BATCH);
    created += deps.resources.transaction(() => batch.filter((resource) => writeIfMissing(deps, resource)).length);
    bar.tick(batch.length);
  }
  bar.done(`${created} created, ${resources.length - created} already present`);

  const usersCreated: string[] = [];
  for (const user of DEMO_USERS) {
    if (await deps.store.users.findByUsername(user.username)) continue;
    await registerUser(deps.store, user, {
      now: deps.now,
      fhirUserExists: async (reference) => deps.resources.isLive(reference),
    });
    usersCreated.push(user.username);
  }
  return { created, alreadyPresent: resources.length - created, usersCreated, anchor };
}

function writeIfMissing(deps: SeedDeps, resource: Resource): boolean {
  const type = resource.resourceType;
  if (!isServedType(type) || !resource.id) throw new Error(`Demo resource ${type} is not storable`);
  if (deps.resources.current(type, resource.id)) return false;
  deps.fhir.executeSync({ kind: 'update', type, id: resource.id, body: resource }, DEFAULT_OPTIONS);
  return true;
}
