import type { Observation } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { VITAL_SIGNS, type VitalSignKey } from '@portico/shared/fhir/vital-signs';
import { AddReadingForm } from '../components/add-reading-form.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { TrendChart, type ChartLine } from '../components/trend-chart.tsx';
import { loadVitals } from '../fhir/vitals.ts';
import { formatDate } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import {
  CHARTED_SIGNS,
  pressurePoints,
  quantityPoints,
  SIGN_TITLES,
  summarizePressure,
  summarizeQuantity,
  unitLabel,
  withinMonths,
} from '../logic/vital-series.ts';
import { usePortal } from '../portal-context.ts';

export const RANGES = [3, 6, 12] as const;

/** Vital signs: a chart per sign over 3, 6 or 12 months, the latest value, and adding a home reading. */
export default function VitalsPage() {
  const { api, now } = usePortal();
  const vitals = useLoad(() => loadVitals(api, now()), [api]);
  const [months, setMonths] = useState<(typeof RANGES)[number]>(3);

  return (
    <>
      <PageHeading title="Vital signs">Vital signs</PageHeading>
      <AddReadingForm onSaved={vitals.reload} />
      <div class="range" role="group" aria-label="Time range of the charts">
        {RANGES.map((m) => (
          <button key={m} type="button" class="range-button" aria-pressed={months === m} onClick={() => setMonths(m)}>
            {m} months
          </button>
        ))}
      </div>
      {vitals.status === 'loading' && <Loading what="vital signs" />}
      {vitals.status === 'error' && <ErrorNotice error={vitals.error} onRetry={vitals.reload} />}
      {vitals.status === 'ready' && <Charts observations={vitals.data} months={months} />}
    </>
  );
}

function Charts({ observations, months }: { observations: Observation[]; months: number }) {
  const { now } = usePortal();
  const shown = CHARTED_SIGNS.filter((key) => (key === 'bloodPressure' ? pressurePoints(observations).length : quantityPoints(observations, VITAL_SIGNS[key]).length) > 0);
  if (shown.length === 0) return <p>No vital signs recorded in the last year. Add a home reading above.</p>;
  const to = now();
  const from = new Date(to);
  from.setMonth(from.getMonth() - months);
  return (
    <div class="charts">
      {shown.map((key) => (
        <SignChart key={key} signKey={key} observations={observations} months={months} from={from.getTime()} to={to.getTime()} />
      ))}
    </div>
  );
}

function SignChart(props: { signKey: VitalSignKey; observations: Observation[]; months: number; from: number; to: number }) {
  const { now, timeZone } = usePortal();
  const sign = VITAL_SIGNS[props.signKey];
  const title = SIGN_TITLES[props.signKey];
  const unit = unitLabel(sign.unit);
  const id = `chart-${props.signKey}`;

  // Blood pressure is one panel drawn as two lines; every other sign is one quantity, one line.
  let latest: { t: number; text: string } | undefined;
  let summary: string;
  let lines: ChartLine[];
  if (sign.kind === 'panel') {
    const all = pressurePoints(props.observations);
    const last = all.at(-1);
    latest = last && { t: last.t, text: `${last.systolic}/${last.diastolic} ${unit}` };
    const points = withinMonths(all, props.months, now());
    summary = summarizePressure(points, props.months);
    lines = [
      { label: 'Systolic', tone: 'primary', points: points.map((p) => ({ t: p.t, value: p.systolic })) },
      { label: 'Diastolic', tone: 'secondary', points: points.map((p) => ({ t: p.t, value: p.diastolic })) },
    ];
  } else {
    const all = quantityPoints(props.observations, sign);
    const last = all.at(-1);
    latest = last && { t: last.t, text: `${last.value} ${unit}` };
    const points = withinMonths(all, props.months, now());
    summary = summarizeQuantity(title, sign.unit, points, props.months);
    lines = [{ label: title, tone: 'primary', points }];
  }

  return (
    <section class="card chart-card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {latest && (
        <p class="latest">
          Latest: <strong>{latest.text}</strong> on {formatDate(new Date(latest.t), timeZone)}
        </p>
      )}
      <TrendChart id={id} title={title} unit={unit} from={props.from} to={props.to} timeZone={timeZone} summary={summary} lines={lines} />
    </section>
  );
}
