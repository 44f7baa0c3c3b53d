import { fireEvent, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { bundle, fakeApi } from '../test-support/fake-api.ts';
import { renderPage } from '../test-support/render-page.tsx';
import VitalsPage from './vitals-page.tsx';

const LOINC = 'http://loinc.org';
const q = (value: number, unit: string) => ({ value, unit, system: 'http://unitsofmeasure.org', code: unit });
const bp = (id: string, when: string, s: number, d: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code: '85354-9' }] },
  effectiveDateTime: when,
  component: [
    { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: q(s, 'mm[Hg]') },
    { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: q(d, 'mm[Hg]') },
  ],
});
const weight = (id: string, when: string, kg: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code: '29463-7' }] },
  effectiveDateTime: when,
  valueQuantity: q(kg, 'kg'),
});

function setup() {
  const observations = [
    bp('b1', '2025-04-01T08:00:00Z', 142, 91),
    bp('b2', '2025-11-01T08:00:00Z', 136, 88),
    bp('b3', '2026-01-15T08:00:00Z', 131, 84),
    bp('b4', '2026-02-20T08:00:00Z', 128, 82),
    weight('w1', '2025-06-01T08:00:00Z', 80.2),
    weight('w2', '2026-02-01T08:00:00Z', 78.4),
  ];
  const api = fakeApi('p1', [
    [/^GET Observation\?patient=p1&category=vital-signs&date=ge2025-03-01/, () => bundle(observations)],
    [/^POST Observation$/, (call) => ({ ...(call.body as object), id: 'new' })],
  ]);
  renderPage(<VitalsPage />, api);
  return api;
}

describe('VitalsPage', () => {
  it('charts each sign with its latest value, and the right readings for 3, 6 and 12 months', async () => {
    setup();
    const pressure = await screen.findByRole('region', { name: 'Blood pressure' });
    expect(within(pressure).getByText('128/82 mmHg')).toBeTruthy();
    const weightCard = screen.getByRole('region', { name: 'Weight' });
    expect(within(weightCard).getByText('78.4 kg')).toBeTruthy();
    const markers = (card: HTMLElement) => card.querySelectorAll('.series-primary .point').length;
    expect([markers(pressure), pressure.querySelectorAll('.series-secondary .point').length, markers(weightCard)]).toEqual([2, 2, 1]);
    expect(pressure.querySelector('desc')!.textContent).toMatch(/^Blood pressure over the last 3 months: 2 readings; systolic 128 to 131 mmHg/);

    fireEvent.click(screen.getByRole('button', { name: '6 months' }));
    expect(markers(pressure)).toBe(3);
    fireEvent.click(screen.getByRole('button', { name: '12 months' }));
    expect([markers(pressure), markers(weightCard)]).toEqual([4, 2]);
    expect(screen.getByRole('button', { name: '12 months' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('saves a home blood pressure reading as a patient-reported panel', async () => {
    const api = setup();
    await screen.findByRole('region', { name: 'Blood pressure' });
    fireEvent.input(screen.getByLabelText(/Systolic/), { target: { value: '127' } });
    fireEvent.input(screen.getByLabelText(/Diastolic/), { target: { value: '81' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save reading' }));
    expect(await screen.findByText('Saved your blood pressure 127/81 mmHg.')).toBeTruthy();
    const saved = api.calls.find((c) => c.method === 'POST')!.body as { code: unknown; performer: unknown; component: Array<{ valueQuantity: { value: number } }> };
    expect(saved.code).toEqual({ coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blood pressure panel with all children optional' });
    expect(saved.performer).toEqual([{ reference: 'Patient/p1' }]);
    expect(saved.component.map((c) => c.valueQuantity.value)).toEqual([127, 81]);
  });

  it('explains an implausible value next to its field instead of saving it', async () => {
    const api = setup();
    await screen.findByRole('region', { name: 'Blood pressure' });
    fireEvent.change(screen.getByLabelText('What did you measure?'), { target: { value: 'heartRate' } });
    fireEvent.input(screen.getByLabelText(/Heart rate/), { target: { value: '640' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save reading' }));
    expect(screen.getByText('Heart rate must be between 20 and 250 beats per minute.')).toBeTruthy();
    expect(screen.getByLabelText(/Heart rate/).getAttribute('aria-invalid')).toBe('true');
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });
});
