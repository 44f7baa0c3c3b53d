import { render } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { axisTicks, TrendChart } from './trend-chart.tsx';

const day = (d: number) => Date.parse(`2026-02-${String(d).padStart(2, '0')}T08:00:00Z`);

describe('TrendChart', () => {
  it('draws one marker per reading per line, with a text summary and a table', () => {
    const { container, getByRole } = render(
      <TrendChart
        id="bp"
        title="Blood pressure"
        unit="mmHg"
        from={day(1)}
        to={day(28)}
        timeZone="UTC"
        summary="Blood pressure over the last 3 months: 3 readings"
        lines={[
          { label: 'Systolic', tone: 'primary', points: [{ t: day(2), value: 130 }, { t: day(9), value: 126 }, { t: day(16), value: 122 }] },
          { label: 'Diastolic', tone: 'secondary', points: [{ t: day(2), value: 85 }, { t: day(9), value: 82 }, { t: day(16), value: 80 }] },
        ]}
      />,
    );
    expect(container.querySelectorAll('.series-primary .point')).toHaveLength(3);
    expect(container.querySelectorAll('.series-secondary .point')).toHaveLength(3);
    const image = getByRole('img');
    expect(image.getAttribute('aria-labelledby')).toBe('bp-title bp-desc');
    expect(container.querySelector('#bp-desc')!.textContent).toBe('Blood pressure over the last 3 months: 3 readings');
    const rows = container.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(3);
    expect([...rows[0]!.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['122', '80']);
    // Every marker lies inside the drawing area.
    for (const circle of container.querySelectorAll('circle')) {
      expect(Number(circle.getAttribute('cx'))).toBeGreaterThanOrEqual(40);
      expect(Number(circle.getAttribute('cx'))).toBeLessThanOrEqual(348);
    }
  });

  it('picks round axis values covering the data', () => {
    expect(axisTicks(72.4, 75.1)).toEqual([72, 73, 74, 75, 76]);
    expect(axisTicks(64, 64)).toEqual([63, 64, 65]);
  });
});
