import { GraphBuilder, type Padding } from '../builder.js';
import { InputError } from '../errors.js';
import { resolve } from '../graph/resolve.js';
import type { Cost } from '../ops/types.js';
import { shapeStr } from '../tensor.js';
import { fixed, thousands } from './format.js';

export interface LayerCompareOptions {
  /** Input height; with no size given the input is k×k and unpadded, so MACs are the cost of one output pixel. */
  h?: number;
  /** Input width (default h). */
  w?: number;
  stride?: number;
  padding?: Padding;
  bias?: boolean;
}

export interface LayerComparison {
  cin: number;
  cout: number;
  k: number;
  inputShape: number[];
  outputShape: number[];
  regular: Cost;
  separable: { depthwise: Cost; pointwise: Cost; params: number; macs: number };
  /** separable / regular */
  paramRatio: number;
  macRatio: number;
  /** (1 - paramRatio) × 100 */
  reductionPct: number;
  /** 1/cout + 1/k², the textbook ratio (exact without bias, for both params and MACs). */
  theoretical: number;
}

/**
 * Regular k×k conv vs its depthwise-separable replacement, measured with the real op cost functions on
 * builder-made graphs (not a separate formula).
 */
export function compareLayer(cin: number, cout: number, k: number, opts: LayerCompareOptions = {}): LayerComparison {
  for (const [what, v] of Object.entries({ cin, cout, k }))
    if (!Number.isInteger(v) || v <= 0) throw new InputError(`${what} must be a positive integer, got ${v}`);
  const h = opts.h ?? k;
  const w = opts.w ?? h;
  const inputShape = [1, cin, h, w];
  const conv = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, bias: opts.bias ?? false };

  // Measured graphs only: zero weights keep the big steps of compareNetwork cheap to build.
  const rb = new GraphBuilder(`regular_${cin}x${cout}_k${k}`, { init: 'zeros' });
  rb.output(rb.conv2d(rb.input('input', inputShape), cin, cout, k, { ...conv, name: 'conv' }));
  const reg = resolve(rb.build()).nodes;

  const sb = new GraphBuilder(`separable_${cin}x${cout}_k${k}`, { init: 'zeros' });
  sb.output(sb.separableConv2d(sb.input('input', inputShape), cin, cout, k, { ...conv, name: 'sep' }));
  const sep = resolve(sb.build()).nodes;

  const regular = reg[0]!.cost;
  const depthwise = sep[0]!.cost;
  const pointwise = sep[1]!.cost;
  const separable = {
    depthwise,
    pointwise,
    params: depthwise.params + pointwise.params,
    macs: depthwise.macs + pointwise.macs,
  };
  const paramRatio = separable.params / regular.params;
  return {
    cin,
    cout,
    k,
    inputShape,
    outputShape: [...reg[0]!.outputShapes[0]!],
    regular,
    separable,
    paramRatio,
    macRatio: separable.macs / regular.macs,
    reductionPct: (1 - paramRatio) * 100,
    theoretical: 1 / cout + 1 / (k * k),
  };
}

export interface NetworkCompareOptions {
  /** Spatial size of the first step's square input (default 128). */
  inputSize?: number;
  k?: number;
  startChannels?: number;
  steps?: number;
  bias?: boolean;
}

export interface NetworkStep extends LayerComparison {
  step: number;
  size: number;
}

export interface NetworkComparison {
  options: Required<NetworkCompareOptions>;
  steps: NetworkStep[];
  /** Means of the per-step percentages (separable as % of regular). */
  avgParamPct: number;
  avgMacPct: number;
  avgTheoreticalPct: number;
  /** Whole-network totals and their ratio. */
  total: { regular: Cost; separable: Cost; paramPct: number; macPct: number };
}

/**
 * A pyramid: step i maps cin = start·2^i to 2·cin channels at (inputSize/2^i)², stride 1 'same' padding,
 * the way a classifier halves the resolution and doubles the width at each stage.
 */
export function compareNetwork(opts: NetworkCompareOptions = {}): NetworkComparison {
  const o: Required<NetworkCompareOptions> = {
    inputSize: opts.inputSize ?? 128,
    k: opts.k ?? 3,
    startChannels: opts.startChannels ?? 32,
    steps: opts.steps ?? 6,
    bias: opts.bias ?? false,
  };
  for (const key of ['inputSize', 'k', 'startChannels', 'steps'] as const)
    if (!Number.isInteger(o[key]) || o[key] <= 0) throw new InputError(`${key} must be a positive integer, got ${o[key]}`);
  if (o.inputSize % 2 ** (o.steps - 1) !== 0)
    throw new InputError(`input size ${o.inputSize} cannot be halved ${o.steps - 1} times; use a multiple of ${2 ** (o.steps - 1)}`);

  const steps: NetworkStep[] = [];
  for (let i = 0; i < o.steps; i++) {
    const cin = o.startChannels * 2 ** i;
    const size = o.inputSize / 2 ** i;
    const c = compareLayer(cin, 2 * cin, o.k, { h: size, padding: 'same', bias: o.bias });
    steps.push({ ...c, step: i + 1, size });
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sumCost = (cs: Cost[]): Cost => ({
    params: cs.reduce((s, c) => s + c.params, 0),
    macs: cs.reduce((s, c) => s + c.macs, 0),
  });
  const regular = sumCost(steps.map((s) => s.regular));
  const separable = sumCost(steps.map((s) => s.separable));
  return {
    options: o,
    steps,
    avgParamPct: mean(steps.map((s) => s.paramRatio * 100)),
    avgMacPct: mean(steps.map((s) => s.macRatio * 100)),
    avgTheoreticalPct: mean(steps.map((s) => s.theoretical * 100)),
    total: { regular, separable, paramPct: (separable.params / regular.params) * 100, macPct: (separable.macs / regular.macs) * 100 },
  };
}

const pct = (x: number) => `${fixed(x)} %`;

export function formatLayerCompare(c: LayerComparison): string {
  const rows: [string, string, string][] = [
    ['', 'params', 'mult-adds'],
    ['regular', thousands(c.regular.params), thousands(c.regular.macs)],
    ['  depthwise', thousands(c.separable.depthwise.params), thousands(c.separable.depthwise.macs)],
    ['  pointwise', thousands(c.separable.pointwise.params), thousands(c.separable.pointwise.macs)],
    ['separable', thousands(c.separable.params), thousands(c.separable.macs)],
    ['separable / regular', pct(c.paramRatio * 100), pct(c.macRatio * 100)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  return [
    `Conv ${c.cin}->${c.cout} k${c.k} on ${shapeStr(c.inputShape)} -> ${shapeStr(c.outputShape)}`,
    ...rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2].padStart(w2)}`),
    `Parameter reduction: ${pct(c.reductionPct)}`,
    `Theoretical ratio 1/cout + 1/k^2: ${pct(c.theoretical * 100)}`,
  ].join('\n');
}

export function formatCompare(n: NetworkComparison): string {
  const o = n.options;
  const header = ['step', 'channels', 'HxW', 'regular params', 'regular MACs', 'sep params', 'sep MACs', 'size %', 'cost %', 'theory %'];
  const body = n.steps.map((s) => [
    String(s.step),
    `${s.cin}->${s.cout}`,
    `${s.size}x${s.size}`,
    thousands(s.regular.params),
    thousands(s.regular.macs),
    thousands(s.separable.params),
    thousands(s.separable.macs),
    fixed(s.paramRatio * 100),
    fixed(s.macRatio * 100),
    fixed(s.theoretical * 100),
  ]);
  const totals = [
    'total',
    '',
    '',
    thousands(n.total.regular.params),
    thousands(n.total.regular.macs),
    thousands(n.total.separable.params),
    thousands(n.total.separable.macs),
    fixed(n.total.paramPct),
    fixed(n.total.macPct),
    '',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...[...body, totals].map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1));
  return [
    `Regular vs depthwise-separable ${o.k}x${o.k} convolutions: ${o.steps} steps from ${o.inputSize}x${o.inputSize}, ` +
      `${o.startChannels} channels, stride 1 'same' padding${o.bias ? ', with bias' : ', no bias'}`,
    line(header),
    rule,
    ...body.map(line),
    rule,
    line(totals),
    '',
    `Average size of separable vs regular: ${pct(n.avgParamPct)}`,
    `Average cost of separable vs regular: ${pct(n.avgMacPct)}`,
    `Average theoretical 1/cout + 1/k^2:    ${pct(n.avgTheoreticalPct)}`,
  ].join('\n');
}
