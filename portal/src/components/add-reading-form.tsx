import { useRef, useState } from 'preact/hooks';
import { saveHomeReading } from '../fhir/vitals.ts';
import { validateReading, type HomeReading } from '../logic/home-reading.ts';
import { usePortal } from '../portal-context.ts';
import { useOffline } from './offline-banner.tsx';
import { ErrorNotice } from './status.tsx';

type Kind = HomeReading['kind'];

/** "Add a home reading": blood pressure, weight or heart rate, saved as a patient-reported Observation. */
export function AddReadingForm({ onSaved }: { onSaved: () => void }) {
  const { api, now } = usePortal();
  const offline = useOffline();
  const [kind, setKind] = useState<Kind>('bloodPressure');
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);

  const number = (field: string) => (values[field]?.trim() ? Number(values[field]) : Number.NaN);
  const reading = (): HomeReading =>
    kind === 'bloodPressure' ? { kind, systolic: number('systolic'), diastolic: number('diastolic') } : { kind, value: number(kind) };

  async function submit(event: Event) {
    event.preventDefault();
    setSaved(null);
    setFailure(null);
    const entered = reading();
    const problems = validateReading(entered);
    setErrors(problems);
    if (Object.keys(problems).length > 0) {
      form.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    setBusy(true);
    try {
      await saveHomeReading(api, entered, now());
      setSaved(entered.kind === 'bloodPressure' ? `Saved your blood pressure ${entered.systolic}/${entered.diastolic} mmHg.` : `Saved your ${entered.kind === 'bodyWeight' ? `weight ${entered.value} kg` : `heart rate ${entered.value} per minute`}.`);
      setValues({});
      onSaved();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const input = (field: string, label: string, unit: string, step = '1') => (
    <div class="field" key={field}>
      <label for={`reading-${field}`}>
        {label} <span class="muted">({unit})</span>
      </label>
      <input
        id={`reading-${field}`}
        name={field}
        type="number"
        inputMode="decimal"
        step={step}
        required
        value={values[field] ?? ''}
        aria-invalid={errors[field] ? 'true' : undefined}
        aria-describedby={errors[field] ? `reading-${field}-error` : undefined}
        onInput={(e) => setValues({ ...values, [field]: e.currentTarget.value })}
      />
      {errors[field] && (
        <p id={`reading-${field}-error`} class="field-error">
          {errors[field]}
        </p>
      )}
    </div>
  );

  return (
    <section class="card" aria-labelledby="add-reading-heading">
      <h2 id="add-reading-heading">Add a home reading</h2>
      <form ref={form} onSubmit={submit} noValidate>
        <div class="field">
          <label for="reading-kind">What did you measure?</label>
          <select
            id="reading-kind"
            value={kind}
            onChange={(e) => {
              setKind(e.currentTarget.value as Kind);
              setErrors({});
            }}
          >
            <option value="bloodPressure">Blood pressure</option>
            <option value="bodyWeight">Weight</option>
            <option value="heartRate">Heart rate</option>
          </select>
        </div>
        {kind === 'bloodPressure' && (
          <div class="field-pair">
            {input('systolic', 'Systolic (upper number)', 'mmHg')}
            {input('diastolic', 'Diastolic (lower number)', 'mmHg')}
          </div>
        )}
        {kind === 'bodyWeight' && input('bodyWeight', 'Weight', 'kg', '0.1')}
        {kind === 'heartRate' && input('heartRate', 'Heart rate', 'beats per minute')}
        <button type="submit" disabled={offline || busy} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save reading'}
        </button>
        {offline && <p class="muted">Adding a reading needs a connection.</p>}
      </form>
      {saved && (
        <p class="notice notice-success" role="status">
          {saved}
        </p>
      )}
      {failure !== null && <ErrorNotice error={failure} />}
    </section>
  );
}
