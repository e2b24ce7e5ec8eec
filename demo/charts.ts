// Chart.js wrappers for the demo's four kinds of chart, one instance per canvas, updated in place.
import { Chart, registerables, type ChartConfiguration, type ChartDataset } from 'chart.js';

Chart.register(...registerables);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = '#334155';
Chart.defaults.animation = false;

export const COLORS = { regular: '#c2410c', separable: '#1d4ed8', neutral: '#0f766e' };
const FILL = { regular: 'rgba(194, 65, 12, 0.75)', separable: 'rgba(29, 78, 216, 0.75)', neutral: 'rgba(15, 118, 110, 0.75)' };

const charts = new Map<string, Chart>();

function upsert(canvas: HTMLCanvasElement, config: ChartConfiguration): Chart {
  const old = charts.get(canvas.id);
  if (old) old.destroy();
  const chart = new Chart(canvas, config);
  charts.set(canvas.id, chart);
  return chart;
}

/** What tests can see of the charts: which exist and how many points they hold. */
export function chartSummary(): Record<string, { type: string; datasets: number; points: number }> {
  const out: Record<string, { type: string; datasets: number; points: number }> = {};
  for (const [id, c] of charts) {
    const cfg = c.config as ChartConfiguration;
    out[id] = { type: String(cfg.type), datasets: c.data.datasets.length, points: c.data.datasets.reduce((s, d) => s + d.data.filter((v) => v !== null).length, 0) };
  }
  return out;
}

const title = (text: string) => ({ display: true, text, font: { size: 13, weight: 'bold' as const }, color: '#0f172a' });

/** Grouped bars, regular vs separable per step; log axis because the steps span orders of magnitude. */
export function sweepBars(canvas: HTMLCanvasElement, heading: string, unit: string, labels: (string | string[])[], regular: (number | null)[], separable: (number | null)[], log: boolean): Chart {
  const ds = (name: 'regular' | 'separable', data: (number | null)[]): ChartDataset<'bar', (number | null)[]> => ({
    label: name === 'regular' ? 'Regular' : 'Separable',
    data,
    backgroundColor: FILL[name],
    borderColor: COLORS[name],
    borderWidth: 1,
  });
  return upsert(canvas, {
    type: 'bar',
    data: { labels, datasets: [ds('regular', regular), ds('separable', separable)] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        title: title(heading),
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${Number(c.raw).toLocaleString('en-US', { maximumSignificantDigits: 4 })} ${unit}` } },
      },
      scales: {
        x: { title: { display: true, text: 'channels, input size' }, ticks: { maxRotation: 60, autoSkip: false, font: { size: labels.length > 5 ? 10 : 11 } } },
        y: { type: log ? 'logarithmic' : 'linear', title: { display: true, text: unit + (log ? ' (log scale)' : '') }, ticks: { callback: (v) => (!log || isPow10(Number(v)) ? compact(Number(v)) : '') } },
      },
    },
  } as ChartConfiguration);
}

/** Each timed run of both layers, to show the spread behind the medians. */
export function runsChart(canvas: HTMLCanvasElement, heading: string, regular: number[], separable: number[]): Chart {
  const n = Math.max(regular.length, separable.length);
  const line = (name: 'regular' | 'separable', data: number[]) => ({
    label: name === 'regular' ? 'Regular' : 'Separable',
    data,
    borderColor: COLORS[name],
    backgroundColor: FILL[name],
    pointRadius: 3,
    tension: 0,
  });
  return upsert(canvas, {
    type: 'line',
    data: { labels: Array.from({ length: n }, (_, i) => String(i + 1)), datasets: [line('regular', regular), line('separable', separable)] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      plugins: { title: title(heading), legend: { position: 'bottom' } },
      scales: { x: { title: { display: true, text: 'timed run' } }, y: { beginAtZero: true, title: { display: true, text: 'ms' } } },
    },
  } as ChartConfiguration);
}

/** Horizontal bars, one per layer. */
export function layerChart(canvas: HTMLCanvasElement, heading: string, labels: string[], ms: number[], fullNames: string[] = labels): Chart {
  return upsert(canvas, {
    type: 'bar',
    data: { labels, datasets: [{ label: 'ms', data: ms, backgroundColor: FILL.neutral, borderColor: COLORS.neutral, borderWidth: 1 }] },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        title: title(heading),
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => fullNames[items[0]?.dataIndex ?? 0] ?? '', label: (c) => `${Number(c.raw).toFixed(3)} ms` } },
      },
      scales: {
        x: { beginAtZero: true, position: 'top', title: { display: true, text: 'ms (median of 3 runs)' } },
        y: { ticks: { autoSkip: false, font: { size: 10 } } },
      },
    },
  } as ChartConfiguration);
}

function isPow10(v: number): boolean {
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-9;
}

export function compact(v: number): string {
  if (!Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}
