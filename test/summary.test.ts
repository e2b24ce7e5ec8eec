import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GraphBuilder, type Padding } from '../src/builder.js';
import { InputError } from '../src/errors.js';
import type { Graph } from '../src/graph/ir.js';
import { loadOnnx } from '../src/onnx/import.js';
import { compareLayer, compareNetwork, formatCompare, formatLayerCompare } from '../src/summary/compare.js';
import { autoUnits, fixed, formatSummary, thousands } from '../src/summary/format.js';
import { summary } from '../src/summary/summary.js';
import { ROOT, seedFigures } from './support/fixtures.js';

interface SeedSpec {
  input: number[];
  cin: number;
  cout: number;
  k: number;
  stride?: number;
  padding?: Padding;
  bias: boolean;
}

/** The seed models of fixtures/index.json, rebuilt in code. */
const SEEDS: Record<string, SeedSpec & { separable: boolean }> = {
  seed_separable_16x32: { input: [1, 16, 128, 128], cin: 16, cout: 32, k: 3, padding: 1, bias: false, separable: true },
  seed_regular_3x64_k5s2: { input: [1, 3, 228, 228], cin: 3, cout: 64, k: 5, stride: 2, bias: true, separable: false },
  seed_separable_3x64_k5s2: { input: [1, 3, 228, 228], cin: 3, cout: 64, k: 5, stride: 2, bias: true, separable: true },
  seed_regular_3x32_k3: { input: [1, 3, 32, 32], cin: 3, cout: 32, k: 3, padding: 1, bias: false, separable: false },
  seed_separable_3x32_k3: { input: [1, 3, 32, 32], cin: 3, cout: 32, k: 3, padding: 1, bias: false, separable: true },
  seed_regular_3x128_k3_7x7: { input: [1, 3, 7, 7], cin: 3, cout: 128, k: 3, bias: false, separable: false },
  seed_separable_3x128_k3_7x7: { input: [1, 3, 7, 7], cin: 3, cout: 128, k: 3, bias: false, separable: true },
};

function buildSeed(name: string): Graph {
  const s = SEEDS[name]!;
  const b = new GraphBuilder(name, { init: 'zeros' });
  const x = b.input('input', s.input);
  const opts = { stride: s.stride, padding: s.padding, bias: s.bias };
  b.output(s.separable ? b.separableConv2d(x, s.cin, s.cout, s.k, opts) : b.conv2d(x, s.cin, s.cout, s.k, opts));
  return b.build();
}

const loadExample = (file: string): Graph => loadOnnx(new Uint8Array(readFileSync(join(ROOT, file))));

describe('summary: the seed figures', () => {
  const separable16x32 = [
    ['built in code', () => buildSeed('seed_separable_16x32')],
    ['examples/seed_separable_16x32.onnx', () => loadExample('examples/seed_separable_16x32.onnx')],
  ] as const;

  test.each(separable16x32)('separable 16->32 k3 (%s): rows, totals and torchinfo sizes', (_, make) => {
    const r = summary(make(), [1, 16, 128, 128]);
    expect(r.rows.map((row) => [row.type, row.params, row.macs, row.outputShape])).toEqual([
      ['Conv (depthwise 3x3)', 144, 2_359_296, [1, 16, 128, 128]],
      ['Conv (pointwise)', 512, 8_388_608, [1, 32, 128, 128]],
    ]);
    expect(r.totalParams).toBe(656);
    expect(r.totalMacs).toBe(10_747_904);
    expect(r.inputBytes).toBe(1_048_576);
    expect(r.forwardBackwardBytes).toBe(6_291_456);
    expect(r.paramBytes).toBe(2_624);
    expect(r.totalBytes).toBe(7_342_656);
    const text = formatSummary(r);
    for (const line of [
      'Total params: 656',
      'Total mult-adds (M): 10.75',
      'Input size (MB): 1.05',
      'Forward/backward pass size (MB): 6.29',
      'Params size (MB): 0.00',
      'Estimated Total Size (MB): 7.34',
    ])
      expect(text.split('\n')).toContain(line);
    expect(text).toMatch(/Conv \(depthwise 3x3\): \S+ +\[1, 16, 128, 128\] +144 +2,359,296\n/);
    expect(text).toMatch(/Conv \(pointwise\): \S+ +\[1, 32, 128, 128\] +512 +8,388,608\n/);
    expect(text).toMatch(/^={80,}$/m);
  });

  const names = Object.keys(SEEDS);
  test.each(names)('%s: builder graph and example ONNX agree with the PyTorch figures', (name) => {
    const fig = seedFigures()[name]!;
    for (const g of [buildSeed(name), loadExample(fig.example)]) {
      const r = summary(g, fig.input_shape);
      expect(r.rows.map((row) => [row.params, row.macs, row.outputShape])).toEqual(
        fig.layers.map((l) => [l.params, l.macs, l.output_shape]),
      );
      expect(r.totalParams).toBe(fig.total_params);
      expect(r.totalMacs).toBe(fig.total_macs);
      expect(r.rows.at(-1)!.outputShape).toEqual(fig.output_shape);
    }
  });

  test('regular 3->64 k5 s2 vs separable: 4,864 vs 334 params (93.13 % fewer)', () => {
    const reg = summary(buildSeed('seed_regular_3x64_k5s2'));
    const sep = summary(buildSeed('seed_separable_3x64_k5s2'));
    expect(reg.rows.map((r) => [r.type, r.params])).toEqual([['Conv 5x5 s2', 4_864]]);
    expect(reg.rows[0]!.outputShape).toEqual([1, 64, 112, 112]);
    expect(sep.rows.map((r) => [r.type, r.params])).toEqual([
      ['Conv (depthwise 5x5 s2)', 75 + 3],
      ['Conv (pointwise)', 192 + 64],
    ]);
    expect(fixed((1 - sep.totalParams / reg.totalParams) * 100)).toBe('93.13');
  });

  test('3->32 k3 without bias: 123 params separable vs 864 regular', () => {
    expect(summary(buildSeed('seed_separable_3x32_k3')).totalParams).toBe(123);
    expect(summary(buildSeed('seed_regular_3x32_k3')).totalParams).toBe(864);
  });

  test('3->128 k3 on 7x7: 86,400 multiplications vs 675 + 9,600 (about 12 %)', () => {
    const reg = summary(buildSeed('seed_regular_3x128_k3_7x7'));
    const sep = summary(buildSeed('seed_separable_3x128_k3_7x7'));
    expect(reg.totalMacs).toBe(86_400);
    expect(sep.rows.map((r) => r.macs)).toEqual([675, 9_600]);
    expect(fixed((sep.totalMacs / reg.totalMacs) * 100)).toBe('11.89');
    // Below a million torchinfo prints the plain number.
    expect(formatSummary(reg)).toContain('Total mult-adds: 86,400');
  });
});

describe('summary: torchinfo rules beyond single convs', () => {
  test('forward/backward size counts only layers with parameters (torchinfo), twice', () => {
    const b = new GraphBuilder('net', { init: 'zeros' });
    let x = b.input('input', [1, 3, 32, 32]);
    x = b.relu(b.conv2d(x, 3, 8, 3, { padding: 1 }));
    x = b.maxPool2d(x, 2);
    b.output(b.linear(b.flatten(x), 8 * 16 * 16, 10));
    const r = summary(b.build());
    expect(r.rows.map((row) => row.op)).toEqual(['Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm']);
    expect(r.rows.map((row) => row.params)).toEqual([224, 0, 0, 0, 20_490]);
    expect(r.forwardBackwardBytes).toBe(2 * (8 * 32 * 32 + 10) * 4);
    expect(r.totalBytes).toBe(r.inputBytes + r.forwardBackwardBytes + r.paramBytes);
    expect(formatSummary(r)).toMatch(/Relu: relu1 +\[1, 8, 32, 32\] +-- +--/);
  });

  test('labels name grouped, dilated and strided convolutions', () => {
    const b = new GraphBuilder('labels', { init: 'zeros' });
    let x = b.input('input', [1, 8, 16, 16]);
    x = b.conv2d(x, 8, 8, 3, { groups: 4, padding: 1 });
    x = b.depthwiseConv2d(x, 8, 3, { dilation: 2, padding: 2 });
    x = b.pointwiseConv2d(x, 8, 16, { name: 'proj' });
    b.output(b.conv2d(x, 16, 16, 1, { stride: 2 }));
    expect(summary(b.build()).rows.map((r) => r.type)).toEqual([
      'Conv 3x3 g4',
      'Conv (depthwise 3x3 d2)',
      'Conv (pointwise)',
      'Conv 1x1 s2',
    ]);
  });

  test('a bare shape needs a single input; named shapes bind several', () => {
    const b = new GraphBuilder('two', { init: 'zeros' });
    const a = b.input('a', ['batch', 4, 8, 8]);
    const c = b.input('c', ['batch', 4, 8, 8]);
    b.output(b.add(b.pointwiseConv2d(a, 4, 4), c));
    const g = b.build();
    expect(() => summary(g, [1, 4, 8, 8])).toThrow(InputError);
    expect(() => summary(g)).toThrow(/symbolic shape/);
    const r = summary(g, { a: [2, 4, 8, 8], c: [2, 4, 8, 8] });
    expect(r.inputBytes).toBe(2 * 2 * 4 * 8 * 8 * 4);
    expect(r.rows.at(-1)!.outputShape).toEqual([2, 4, 8, 8]);
  });
});

describe('number formatting like Python', () => {
  test('thousands separators', () => {
    expect(thousands(0)).toBe('0');
    expect(thousands(656)).toBe('656');
    expect(thousands(10_747_904)).toBe('10,747,904');
    expect(thousands(-1234)).toBe('-1,234');
  });

  test('{:.2f} rounds exact halves to even, like Python', () => {
    expect(fixed(0.125)).toBe('0.12');
    expect(fixed(0.375)).toBe('0.38');
    expect(fixed(2.5, 0)).toBe('2');
    expect(fixed(7.342656)).toBe('7.34');
    expect(fixed(1.005)).toBe('1.00'); // 1.005 is really 1.00499999999999989...
  });

  test('mult-add units', () => {
    expect(autoUnits(86_400)).toBe(': 86,400');
    expect(autoUnits(10_747_904)).toBe(' (M): 10.75');
    expect(autoUnits(4.09e9)).toBe(' (G): 4.09');
  });
});

describe('compare', () => {
  test('compareLayer reproduces the seed ratios', () => {
    const big = compareLayer(3, 64, 5, { h: 228, stride: 2, bias: true });
    expect(big.regular).toEqual({ params: 4_864, macs: 61_014_016 });
    expect(big.separable.depthwise.params).toBe(78);
    expect(big.separable.pointwise.params).toBe(256);
    expect(big.separable.params).toBe(334);
    expect(fixed(big.reductionPct)).toBe('93.13');
    expect(big.outputShape).toEqual([1, 64, 112, 112]);

    expect(compareLayer(3, 32, 3).separable.params).toBe(123);
    expect(compareLayer(3, 32, 3).regular.params).toBe(864);

    const small = compareLayer(3, 128, 3, { h: 7 });
    expect(small.regular.macs).toBe(86_400);
    expect([small.separable.depthwise.macs, small.separable.pointwise.macs]).toEqual([675, 9_600]);
    const text = formatLayerCompare(big);
    expect(text).toContain('Parameter reduction: 93.13 %');
  });

  test('without bias the measured ratio equals the formula 1/cout + 1/k²', () => {
    for (const [cin, cout, k] of [
      [3, 128, 3],
      [16, 32, 3],
      [32, 64, 5],
      [7, 9, 7],
    ] as const) {
      const c = compareLayer(cin, cout, k, { h: 12, padding: 'same' });
      expect(c.paramRatio).toBeCloseTo(c.theoretical, 12);
      expect(c.macRatio).toBeCloseTo(c.theoretical, 12);
    }
  });

  test('compareNetwork: 6 steps from 128x128 and 32 channels, separable is about 11-12 % of regular', () => {
    const n = compareNetwork();
    expect(n.steps.map((s) => [s.cin, s.cout, s.size])).toEqual([
      [32, 64, 128],
      [64, 128, 64],
      [128, 256, 32],
      [256, 512, 16],
      [512, 1024, 8],
      [1024, 2048, 4],
    ]);
    // Step 1 from the real cost functions: 3x3x32x64 regular, 3x3x32 + 32x64 separable, at 128x128.
    expect(n.steps[0]!.regular).toEqual({ params: 18_432, macs: 18_432 * 128 * 128 });
    expect(n.steps[0]!.separable.params).toBe(288 + 2_048);
    for (const s of n.steps) expect(s.paramRatio).toBeCloseTo(1 / s.cout + 1 / 9, 12);
    expect(n.avgParamPct).toBeGreaterThan(11);
    expect(n.avgParamPct).toBeLessThan(12);
    expect(n.avgMacPct).toBeCloseTo(n.avgParamPct, 10);
    expect(fixed(n.avgParamPct)).toBe('11.62');
    expect(fixed(n.avgTheoreticalPct)).toBe('11.62');
    const text = formatCompare(n);
    expect(text).toContain('Average size of separable vs regular: 11.62 %');
    expect(text).toMatch(/^1 +32->64 +128x128 +18,432 +301,989,888 +2,336 +38,273,024 +12\.67 +12\.67 +12\.67$/m);
  });

  test('compareNetwork rejects sizes that cannot be halved enough', () => {
    expect(() => compareNetwork({ inputSize: 100, steps: 4 })).toThrow(InputError);
  });
});
