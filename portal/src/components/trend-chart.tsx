import { formatDate, formatShortDate } from '../lib/format.ts';

/** One line of a chart (blood pressure has two: systolic and diastolic). */
export interface ChartLine {
  readonly label: string;
  /** CSS class giving the line its colour and marker. */
  readonly tone: 'primary' | 'secondary';
  readonly points: readonly { readonly t: number; readonly value: number }[];
}

const WIDTH = 360;
const HEIGHT = 180;
const PAD = { left: 40, right: 12, top: 12, bottom: 26 };

/** Four evenly spaced, rounded axis values covering [min, max]. */
export function axisTicks(min: number, max: number): number[] {
  if (min === max) return [min - 1, min, min + 1];
  const raw = (max - min) / 3;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 0.999; v += step) ticks.push(Math.round(v * 1000) / 1000);
  return ticks;
}

/**
 * A hand-drawn SVG line chart of readings over time, readable at 390 px wide. The SVG is an image
 * with a text summary; a table of the readings follows for anyone who cannot see it.
 */
export function TrendChart(props: {
  id: string;
  title: string;
  unit: string;
  lines: readonly ChartLine[];
  from: number;
  to: number;
  summary: string;
  timeZone?: string;
}) {
  const all = props.lines.flatMap((l) => l.points.map((p) => p.value));
  const ticks = all.length ? axisTicks(Math.min(...all), Math.max(...all)) : [];
  const low = ticks[0] ?? 0;
  const high = ticks[ticks.length - 1] ?? 1;
  const x = (t: number) => PAD.left + ((t - props.from) / Math.max(1, props.to - props.from)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - low) / Math.max(1e-9, high - low)) * (HEIGHT - PAD.top - PAD.bottom);
  const rows = [...new Set(props.lines.flatMap((l) => l.points.map((p) => p.t)))].sort((a, b) => b - a);
  const mid = props.from + (props.to - props.from) / 2;

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} preserveAspectRatio="xMidYMid meet">
        <title id={`${props.id}-title`}>{`${props.title} chart`}</title>
        <desc id={`${props.id}-desc`}>{props.summary}</desc>
        {ticks.map((tick) => (
          <g key={tick} class="grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
              {tick}
            </text>
          </g>
        ))}
        {[props.from, mid, props.to].map((t, i) => (
          <text key={t} class="axis-label" x={x(t)} y={HEIGHT - 6} text-anchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}>
            {formatShortDate(new Date(t), props.timeZone)}
          </text>
        ))}
        {props.lines.map((line) => (
          <g key={line.label} class={`series series-${line.tone}`}>
            <polyline fill="none" points={line.points.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} />
            {line.points.map((p) => (
              <circle key={p.t} class="point" cx={x(p.t).toFixed(1)} cy={y(p.value).toFixed(1)} r={line.tone === 'primary' ? 3 : 2.5} />
            ))}
          </g>
        ))}
      </svg>
      {props.lines.length > 1 && (
        <figcaption class="legend">
          {props.lines.map((line) => (
            <span key={line.label} class={`legend-item series-${line.tone}`}>
              <span class="swatch" aria-hidden="true" /> {line.label}
            </span>
          ))}
        </figcaption>
      )}
      {rows.length > 0 && (
        <details>
          <summary>{rows.length === 1 ? 'Show the reading as a table' : `Show the ${rows.length} readings as a table`}</summary>
          <table>
            <caption>
              {props.title} readings ({props.unit})
            </caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                {props.lines.map((line) => (
                  <th key={line.label} scope="col">
                    {line.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t}>
                  <th scope="row">{formatDate(new Date(t), props.timeZone)}</th>
                  {props.lines.map((line) => (
                    <td key={line.label}>{line.points.find((p) => p.t === t)?.value ?? '—'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
