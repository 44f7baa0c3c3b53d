import fs from 'node:fs';
import path from 'node:path';
import type { Observation, Resource } from 'fhir/r4';
import { LOINC, OBSERVATION_CATEGORY, UCUM } from '@portico/shared/fhir/code-systems';
import { applyMigrations, openSqlite } from '../../gateway/src/db/sqlite/connection.ts';
import { extractIndexRows } from '../../gateway/src/fhir/local/indexer.ts';
import { stampVersion } from '../../gateway/src/fhir/local/local-fhir.ts';
import { ResourceStore } from '../../gateway/src/fhir/local/resource-store.ts';
import { loadFhirDefinitions } from '../../gateway/src/fhir/definitions.ts';
import type { ServedResourceType } from '../../gateway/src/fhir/search-parameters.ts';
import { createProgress } from '../../gateway/src/progress.ts';
import { addDays, at } from '../../gateway/src/seed/demo/calendar.ts';
import type { DemoPatient } from '../../gateway/src/seed/demo/patients.ts';
import { patientResource } from '../../gateway/src/seed/demo/patients.ts';
import { readingsAt, vitalObservation } from '../../gateway/src/seed/demo/vitals.ts';
import { SeededRandom } from '../../gateway/src/seed/random.ts';

/** Bumped whenever the generated data or the store's layout changes, so a cached file is rebuilt. */
const DATA_VERSION = '2';
const OBSERVATIONS_PER_PATIENT = 100;
/** Of each patient's observations, this many are vital signs; the rest are laboratory results. */
const VITALS_PER_PATIENT = 80;

export interface BenchData {
  readonly file: string;
  readonly patientIds: readonly string[];
}

export const patientId = (i: number) => `bench-pat-${String(i + 1).padStart(5, '0')}`;

/**
 * A SQLite file holding `patients` patients with 100 Observations each (80 vital signs, 20 lab
 * results), written through the store's own indexer. Built once and reused while DATA_VERSION holds.
 */
export function benchData(dir: string, patients: number, fhirBaseUrl: string): BenchData {
  const file = path.join(dir, `bench-${patients * OBSERVATIONS_PER_PATIENT}-v${DATA_VERSION}.db`);
  const patientIds = Array.from({ length: patients }, (_, i) => patientId(i));
  if (fs.existsSync(file) && fs.existsSync(`${file}.complete`)) return { file, patientIds };

  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const db = openSqlite(file);
  applyMigrations(db, 'sqlite');
  applyMigrations(db, 'fhir-sqlite');
  loadFhirDefinitions();
  // Bulk load: nothing to protect until the file is complete, so skip the per-commit fsync.
  db.pragma('synchronous = OFF');
  const store = new ResourceStore(db);
  const random = new SeededRandom(42);
  const today = new Date(Date.UTC(2026, 10, 1));
  const started = today.getTime();
  const progress = createProgress('Generating benchmark data', patients * (OBSERVATIONS_PER_PATIENT + 1));

  const write = (resource: Resource) => {
    const type = resource.resourceType as ServedResourceType;
    const stamped = stampVersion(resource, resource.id!, 1, started);
    store.write(type, resource.id!, { versionId: 1, lastUpdated: started, content: JSON.stringify(stamped) }, extractIndexRows(type, stamped, fhirBaseUrl));
  };

  for (let first = 0; first < patients; first += 100) {
    store.transaction(() => {
      for (let i = first; i < Math.min(patients, first + 100); i++) {
        const p = benchPatient(i, random.fork(`p${i}`), today);
        write(patientResource(p));
        for (const observation of observationsOf(p, random.fork(`o${i}`), today)) write(observation);
      }
    });
    progress.tick(Math.min(100, patients - first) * (OBSERVATIONS_PER_PATIENT + 1));
  }
  db.pragma('optimize');
  db.exec('ANALYZE');
  db.close();
  fs.writeFileSync(`${file}.complete`, new Date().toISOString());
  progress.done();
  return { file, patientIds };
}

function benchPatient(index: number, r: SeededRandom, today: Date): DemoPatient {
  const gender = index % 2 === 0 ? 'female' : 'male';
  return {
    id: patientId(index),
    index,
    given: gender === 'female' ? 'Ada' : 'Alan',
    family: `Bench${index}`,
    gender,
    birthDate: addDays(today, -r.int(20, 80) * 365).toISOString().slice(0, 10),
    practitionerId: 'demo-pra-chen',
    hypertensive: r.chance(0.3),
    diabetic: false,
    asthmatic: false,
    systolic: r.normal(125, 10),
    diastolic: r.normal(80, 6),
    systolicTrend: r.normal(0, 4),
    heartRate: r.normal(72, 6),
    heightCm: Math.round(r.normal(170, 9)),
    weightKg: Math.round(r.normal(75, 12)),
    weightTrend: r.normal(0, 2),
  };
}

const SIGNS = ['bloodPressure', 'heartRate', 'bodyWeight', 'oxygenSaturation'] as const;

function* observationsOf(p: DemoPatient, r: SeededRandom, today: Date): Generator<Observation> {
  const yearAgo = addDays(today, -365);
  for (let n = 0; n < VITALS_PER_PATIENT; n++) {
    const when = at(addDays(yearAgo, Math.floor((n * 365) / VITALS_PER_PATIENT)), 8, r.int(0, 59));
    const [reading] = readingsAt(p, r, n / VITALS_PER_PATIENT, [SIGNS[n % SIGNS.length]!]);
    yield vitalObservation(`${p.id}-v${n}`, p, reading!, when, { home: true });
  }
  for (let n = 0; n < OBSERVATIONS_PER_PATIENT - VITALS_PER_PATIENT; n++) {
    yield {
      resourceType: 'Observation',
      id: `${p.id}-l${n}`,
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory' }] }],
      code: { coding: [{ system: LOINC, code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
      subject: { reference: `Patient/${p.id}` },
      effectiveDateTime: at(addDays(yearAgo, n * 18), 9).toISOString(),
      valueQuantity: { value: Math.round(r.normal(95, 12)), unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
    };
  }
}
