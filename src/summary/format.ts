import { shapeStr } from '../tensor.js';
import type { SummaryReport } from './summary.js';

/** 1,234,567 (Python's `{:,}`), independent of the host locale. */
export function thousands(n: number): string {
  const s = Math.abs(Math.trunc(n)).toString();
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (n < 0 ? '-' : '') + grouped;
}

/**
 * Python's `{:.Nf}`: like toFixed, except that a value lying exactly halfway rounds to even
 * (0.125 -> '0.12', where JavaScript gives '0.13').
 */
export function fixed(x: number, digits = 2): string {
  const exact = x.toFixed(100).replace(/0+$/, '');
  const dot = exact.indexOf('.');
  if (dot >= 0 && exact.length - dot - 1 === digits + 1 && exact.endsWith('5')) {
    const kept = exact.slice(0, digits === 0 ? dot : -1);
    if (Number(kept[kept.length - 1]) % 2 === 0) return kept;
  }
  return x.toFixed(digits);
}

export const megabytes = (bytes: number): string => fixed(bytes / 1e6);

/** torchinfo's Units.AUTO for mult-adds: ' (G): 1.23', ' (M): 10.75', or ': 86,400' below a million. */
export function autoUnits(n: number): string {
  if (n >= 1e12) return ` (T): ${fixed(n / 1e12)}`;
  if (n >= 1e9) return ` (G): ${fixed(n / 1e9)}`;
  if (n >= 1e6) return ` (M): ${fixed(n / 1e6)}`;
  return `: ${thousands(n)}`;
}

const COL = 25;
const MIN_NAME = 40;

/** A torchinfo-style table: rows per runtime node, then parameter, mult-add and memory totals. */
export function formatSummary(r: SummaryReport): string {
  const dash = (n: number) => (n ? thousands(n) : '--');
  const body = r.rows.map((row) => [`${row.type}: ${row.name}`, shapeStr(row.outputShape), dash(row.params), dash(row.macs)]);
  const header = ['Layer (type: name)', 'Output Shape', 'Param #', 'Mult-Adds'];
  // torchinfo rounds the name column up to a multiple of 5 once it outgrows 40.
  const longest = Math.max(...[header, ...body].map((c) => c[0]!.length + 1));
  const nameW = longest >= MIN_NAME ? Math.ceil(longest / 5) * 5 : MIN_NAME;
  const colW = Math.max(COL, ...body.flatMap((c) => c.slice(1).map((s) => s.length + 1)));
  const line = (cells: string[]) =>
    (cells[0]!.padEnd(nameW) + ' ' + cells.slice(1).map((c) => c.padEnd(colW)).join(' ')).trimEnd();
  const rule = '='.repeat(nameW + 3 * colW);
  const inputs = r.inputs.map((i) => `${i.name} ${shapeStr(i.shape)}`).join(', ');
  return [
    `Model: ${r.model}    Input: ${inputs}`,
    rule,
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Total params: ${thousands(r.totalParams)}`,
    `Trainable params: ${thousands(r.totalParams)}`,
    'Non-trainable params: 0',
    `Total mult-adds${autoUnits(r.totalMacs)}`,
    rule,
    `Input size (MB): ${megabytes(r.inputBytes)}`,
    `Forward/backward pass size (MB): ${megabytes(r.forwardBackwardBytes)}`,
    `Params size (MB): ${megabytes(r.paramBytes)}`,
    `Estimated Total Size (MB): ${megabytes(r.totalBytes)}`,
    rule,
  ].join('\n');
}
