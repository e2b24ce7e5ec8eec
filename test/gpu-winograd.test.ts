// Winograd F(2×2, 3×3) (src/gpu/kernels/winograd.ts), the software-adapter path of plain 3×3 stride-1 convs, vs
// Conv.reference and vs the direct register kernel on the same device: odd sizes (a last tile hanging over the
// output), asymmetric and zero pads, batches, every activation, a fused residual. Data unit-scale; tolerance as
// the conv sweep (|gpu - ref| <= 1e-4 + 1e-4·|ref|).
import { describe, expect, it } from 'vitest';
import { winogradEligible } from '../src/gpu/kernels/winograd.js';
import { convProgram } from '../src/gpu/programs/conv.gpu.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import type { Value } from '../src/graph/ir.js';
import type { ResolvedNode } from '../src/graph/resolve.js';
import type { FusedActivation } from '../src/ops/activation.js';
import { Conv, type ConvAttrs } from '../src/ops/conv.js';
import { type Tensor } from '../src/tensor.js';
import { softwareKernelDevice } from './support/kernel-device.js';
import { ACTS, build, compare, randomTensor, rng, type Config } from './support/conv-sweep.js';
import { runProgram } from './support/run-program.js';

const setup = softwareKernelDevice();

/** Runs the Conv program on `inputs` (input 3, when there, is the residual). */
async function run(program: ReturnType<typeof convProgram>, rn: ResolvedNode, inputs: Value[]): Promise<{ y: Float32Array; labels: string[] }> {
  const { sw, pipelines } = await setup();
  return runProgram(sw, program, rn, inputs, pipelines);
}

const base = (name: string, c: Partial<Config>): Config => ({
  name, kind: 'conv', n: 1, cin: 16, cout: 16, h: 9, w: 11, group: 1, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1],
  bias: true, act: { kind: 'relu' }, software: true, seed: 7100 + name.length, ...c,
});

const CASES: Config[] = [
  base('16->16 9x11 (odd: last tile row and column hang over)', {}),
  base('32->64 8x8 no bias', { cin: 32, cout: 64, h: 8, w: 8, bias: false, act: { kind: 'none' } }),
  base('20->24 n=2 asymmetric pads', { n: 2, cin: 20, cout: 24, h: 7, w: 13, pads: [0, 2, 1, 0] }),
  base('16->20 no pads 5x6', { cin: 16, cout: 20, h: 5, w: 6, pads: [0, 0, 0, 0] }),
  base('24->16 1x1 image pads 1', { cin: 24, cout: 16, h: 1, w: 1 }),
  base('16->16 n=3 pads 2 (output larger than input)', { n: 3, h: 4, w: 3, pads: [2, 2, 2, 2] }),
  ...ACTS.map(([label, act]) => base(`act ${label}`, { cin: 16, cout: 16, h: 6, w: 7, act: act as FusedActivation })),
];

describe('Winograd F(2x2, 3x3) on the software-adapter variant', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_n, cfg) => {
    const { rn, inputs } = build(cfg);
    const attrs = rn.attrs as ConvAttrs;
    const want = Conv.reference(inputs, attrs)[0] as Tensor;
    const got = await run(convProgram({ variant: 'register' }), rn, inputs);
    // it is the Winograd path that ran (input transform, batched GEMM, output transform)
    expect(got.labels.map((l) => l.replace(/^.*\.winograd\./, ''))).toEqual(['input', 'gemm', 'output']);
    const { maxErr, bad } = compare(got.y, want.data);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got.y[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
    // the first calls run the direct kernel (GpuNodeProgram.later swaps Winograd in): the same answer
    const { sw } = await setup();
    const firstCall = await runProgram(sw, convProgram({ variant: 'register' }), rn, inputs, new PipelineCache(sw.device), undefined, true);
    expect(firstCall.labels).toHaveLength(1);
    const f = compare(firstCall.y, want.data);
    if (f.bad >= 0) expect.fail(`first call: element ${f.bad}: gpu ${firstCall.y[f.bad]}, reference ${want.data[f.bad]} (max err ${f.maxErr})`);
    // and the direct register kernel agrees
    const direct = await run(convProgram({ variant: 'register', winograd: false }), rn, inputs);
    expect(direct.labels).toHaveLength(1);
    expect(compare(got.y, direct.y).bad).toBe(-1);
  });

  it('fuses a residual: y = act(conv(x) + b) + r', async () => {
    const cfg = base('res 16->20', { cin: 16, cout: 20, h: 7, w: 9, act: { kind: 'clip', min: 0, max: 6 } });
    const { rn, inputs } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const res = randomTensor(want.shape, rng(5));
    const program = convProgram({ residual: { kind: 'input', index: 3 }, variant: 'register' });
    const got = await run(program, rn, [...inputs, res]);
    expect(got.labels).toHaveLength(3);
    expect(compare(got.y, want.data.map((v, i) => v + res.data[i]!)).bad).toBe(-1);
    const { sw } = await setup();
    const firstCall = await runProgram(sw, program, rn, [...inputs, res], new PipelineCache(sw.device), undefined, true);
    expect(firstCall.labels).toHaveLength(1);
    expect(compare(firstCall.y, want.data.map((v, i) => v + res.data[i]!)).bad).toBe(-1);
  });

  it('is used only for plain 3x3 stride-1 convs with whole vec4s of at least 16 channels', () => {
    const g = { n: 1, c: 16, h: 8, w: 8, cout: 16, oh: 8, ow: 8, kh: 3, kw: 3, group: 1, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [1, 1, 1, 1] as const };
    const limits = { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 1 << 28 };
    expect(winogradEligible(g, limits)).toBe(true);
    expect(winogradEligible({ ...g, strides: [2, 2] }, limits)).toBe(false);
    expect(winogradEligible({ ...g, dilations: [2, 2] }, limits)).toBe(false);
    expect(winogradEligible({ ...g, kh: 5, kw: 5 }, limits)).toBe(false);
    expect(winogradEligible({ ...g, group: 2 }, limits)).toBe(false);
    expect(winogradEligible({ ...g, c: 18 }, limits)).toBe(false);
    expect(winogradEligible({ ...g, c: 8 }, limits)).toBe(false);
    expect(winogradEligible({ ...g, cout: 12 }, limits)).toBe(false);
    // scratch V = 16 · tiles · C floats must be bindable
    expect(winogradEligible(g, { ...limits, maxStorageBufferBindingSize: 16 * 16 * 16 * 4 - 4 })).toBe(false);
  });
});
