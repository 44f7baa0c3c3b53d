import type { Observation, Quantity } from 'fhir/r4';
import { LOINC } from '@portico/shared/fhir/code-systems';
import { VITAL_SIGNS, type VitalSign, type VitalSignKey } from '@portico/shared/fhir/vital-signs';

/** One reading of a single-value vital sign. */
export interface Point {
  /** Epoch milliseconds of the reading. */
  readonly t: number;
  readonly value: number;
  /** Taken by the patient (performer is the patient). */
  readonly home: boolean;
}

/** One blood pressure reading: systolic and diastolic together. */
export interface PressurePoint {
  readonly t: number;
  readonly systolic: number;
  readonly diastolic: number;
  readonly home: boolean;
}

/** The vital signs the portal charts, in the order it shows them. */
export const CHARTED_SIGNS: readonly VitalSignKey[] = ['bloodPressure', 'heartRate', 'bodyWeight', 'bmi', 'bodyTemperature', 'oxygenSaturation', 'respiratoryRate', 'bodyHeight'];

/** Everyday names for the vital signs. */
export const SIGN_TITLES: Readonly<Record<VitalSignKey, string>> = {
  bloodPressure: 'Blood pressure',
  heartRate: 'Heart rate',
  respiratoryRate: 'Breathing rate',
  oxygenSaturation: 'Oxygen level',
  bodyTemperature: 'Temperature',
  bodyHeight: 'Height',
  bodyWeight: 'Weight',
  bmi: 'Body mass index',
};

/** UCUM codes as people write them. */
export function unitLabel(ucum: string): string {
  const labels: Record<string, string> = { 'mm[Hg]': 'mmHg', '/min': 'per minute', Cel: '°C', 'kg/m2': 'kg/m²', '[degF]': '°F', '[lb_av]': 'lb' };
  return labels[ucum] ?? ucum;
}

const hasCode = (codings: Observation['code'] | undefined, code: string) => !!codings?.coding?.some((c) => c.system === LOINC && c.code === code);
const timeOf = (o: Observation) => Date.parse(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued ?? '');
const isHome = (o: Observation) => !!o.performer?.some((p) => p.reference?.startsWith('Patient/'));
const valueOf = (q: Quantity | undefined) => (typeof q?.value === 'number' ? q.value : undefined);
const usable = (o: Observation) => o.status !== 'entered-in-error' && o.status !== 'cancelled' && !Number.isNaN(timeOf(o));

/** The readings of a single-value vital sign, oldest first. */
export function quantityPoints(observations: readonly Observation[], sign: VitalSign): Point[] {
  return observations
    .filter((o) => usable(o) && hasCode(o.code, sign.loinc))
    .flatMap((o) => {
      const value = valueOf(o.valueQuantity);
      return value === undefined ? [] : [{ t: timeOf(o), value, home: isHome(o) }];
    })
    .sort((a, b) => a.t - b.t);
}

/**
 * Blood pressure readings, oldest first: each panel (85354-9) with its systolic and diastolic
 * components, plus separate systolic (8480-6) and diastolic (8462-4) Observations paired when they
 * were taken at the same moment. A reading missing either value is left out.
 */
export function pressurePoints(observations: readonly Observation[]): PressurePoint[] {
  const { loinc: panel, components } = VITAL_SIGNS.bloodPressure as Extract<VitalSign, { kind: 'panel' }>;
  const points: PressurePoint[] = [];
  const loose = new Map<number, { systolic?: number; diastolic?: number; home: boolean }>();
  for (const o of observations) {
    if (!usable(o)) continue;
    const t = timeOf(o);
    if (hasCode(o.code, panel)) {
      const systolic = valueOf(o.component?.find((c) => hasCode(c.code, components.systolic.loinc))?.valueQuantity);
      const diastolic = valueOf(o.component?.find((c) => hasCode(c.code, components.diastolic.loinc))?.valueQuantity);
      if (systolic !== undefined && diastolic !== undefined) points.push({ t, systolic, diastolic, home: isHome(o) });
      continue;
    }
    for (const part of ['systolic', 'diastolic'] as const) {
      if (!hasCode(o.code, components[part].loinc)) continue;
      const value = valueOf(o.valueQuantity);
      if (value === undefined) continue;
      const entry = loose.get(t) ?? { home: isHome(o) };
      entry[part] = value;
      loose.set(t, entry);
    }
  }
  for (const [t, entry] of loose) {
    if (entry.systolic !== undefined && entry.diastolic !== undefined) points.push({ t, systolic: entry.systolic, diastolic: entry.diastolic, home: entry.home });
  }
  return points.sort((a, b) => a.t - b.t);
}

/** The points taken in the last `months` months before `now`. */
export function withinMonths<P extends { t: number }>(points: readonly P[], months: number, now: Date): P[] {
  const start = new Date(now);
  start.setMonth(start.getMonth() - months);
  return points.filter((p) => p.t >= start.getTime() && p.t <= now.getTime());
}

/** "went up by 4.2", "went down by 3", "stayed the same": the change from the first to the last value. */
export function change(first: number, last: number, digits = 1): string {
  const delta = Math.round((last - first) * 10 ** digits) / 10 ** digits;
  if (delta === 0) return 'stayed the same';
  return `went ${delta > 0 ? 'up' : 'down'} by ${Math.abs(delta)}`;
}

/** A sentence summarising a single-value series for people who cannot see the chart. */
export function summarizeQuantity(title: string, unit: string, points: readonly Point[], months: number): string {
  if (points.length === 0) return `${title}: no readings in the last ${months} months.`;
  const values = points.map((p) => p.value);
  const first = values[0]!;
  const last = values[values.length - 1]!;
  return (
    `${title} over the last ${months} months: ${points.length} ${points.length === 1 ? 'reading' : 'readings'}, ` +
    `lowest ${Math.min(...values)}, highest ${Math.max(...values)} ${unitLabel(unit)}; from first to latest it ${change(first, last)}.`
  );
}

/** A sentence summarising blood pressure readings (systolic and diastolic). */
export function summarizePressure(points: readonly PressurePoint[], months: number): string {
  if (points.length === 0) return `Blood pressure: no readings in the last ${months} months.`;
  const sys = points.map((p) => p.systolic);
  const dia = points.map((p) => p.diastolic);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return (
    `Blood pressure over the last ${months} months: ${points.length} ${points.length === 1 ? 'reading' : 'readings'}; ` +
    `systolic ${Math.min(...sys)} to ${Math.max(...sys)} mmHg (${change(first.systolic, last.systolic, 0)}), ` +
    `diastolic ${Math.min(...dia)} to ${Math.max(...dia)} mmHg (${change(first.diastolic, last.diastolic, 0)}).`
  );
}
