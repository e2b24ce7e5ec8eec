// The software-adapter depthwise kernel (shaders/depthwise_register.wgsl) in each of its forms — rows unrolled
// (3×3 and smaller, stride 1 along H, 2 output rows; first run as the 2-row loop), the row loop with 2 output rows
// (stride = dilation along H) and with 1 (any other) — vs Conv.reference: odd
// output heights (a last block's rows past OH) and widths (a last run past OW), vec4 and scalar channel paths
// (multiplier 2 and 3, C not a multiple of 4), batches, dilation, asymmetric pads, non-square filters, every
// activation. Data unit-scale; tolerance as the conv sweep
// (|gpu - ref| <= 1e-4 + 1e-4·|ref|).
import { describe, expect, it } from 'vitest';
import { firstDepthwiseRegister, planDepthwiseRegister, registerDepthwiseShader } from '../src/gpu/kernels/depthwise.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { convProgram } from '../src/gpu/programs/conv.gpu.js';
import type { FusedActivation } from '../src/ops/activation.js';
import { Conv, type ConvAttrs } from '../src/ops/conv.js';
import type { Tensor } from '../src/tensor.js';
import { softwareKernelDevice } from './support/kernel-device.js';
import { ACTS, build, compare, randomTensor, rng, type Config } from './support/conv-sweep.js';
import { GraphBuilder } from '../src/builder.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { resolve } from '../src/graph/resolve.js';
import { runProgram } from './support/run-program.js';

const setup = softwareKernelDevice();

const base = (name: string, c: Partial<Config>): Config => {
  const cin = c.cin ?? 8;
  return {
    name, kind: 'dw', n: 1, cin, cout: cin, h: 9, w: 11, group: cin, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1],
    bias: true, act: { kind: 'clip', min: 0, max: 6 }, software: true, seed: 5300 + name.length, ...c,
  };
};

/** [config, the kernel form its plan must pick: 'unrolled' | 'loop2' | 'loop1'] */
const CASES: [Config, string][] = [
  // rows unrolled: 3x3 s1, odd OH (the last block's second row is past OH) and OW (a 7-run past OW)
  [base('3x3 s1 vec4 9x11', {}), 'unrolled'],
  [base('3x3 s1 vec4 n=2 asym pads 8x23', { n: 2, cin: 12, h: 8, w: 23, pads: [0, 2, 2, 0] }), 'unrolled'],
  [base('3x3 s1 scalar c5', { cin: 5, h: 13, w: 6 }), 'unrolled'],
  [base('3x3 s1 scalar mult 2', { cin: 3, cout: 6, group: 3, h: 10, w: 15, bias: false }), 'unrolled'],
  [base('3x3 s1x2 vec4 (stride 2 along W only)', { cin: 16, h: 11, w: 21, strides: [1, 2] }), 'unrolled'],
  [base('3x3 s1 d1x2 (dilation along W only)', { cin: 4, h: 7, w: 19, dilations: [1, 2], pads: [1, 2, 1, 2] }), 'unrolled'],
  [base('1x3 s1', { cin: 8, h: 5, w: 17, kernel: [1, 3], pads: [0, 1, 0, 1] }), 'unrolled'],
  [base('3x1 s1 scalar mult 3', { cin: 2, cout: 6, group: 2, h: 12, w: 4, kernel: [3, 1], pads: [1, 0, 1, 0] }), 'unrolled'],
  [base('1x1 s1 (depthwise scale)', { cin: 8, h: 3, w: 9, kernel: [1, 1], pads: [0, 0, 0, 0] }), 'unrolled'],
  // even and odd OH (the last block's second row past OH)
  ...[2, 3, 4, 5].map((oh): [Config, string] => [base(`3x3 s1 OH ${oh}`, { cin: 12, h: oh, w: 10 }), 'unrolled']),
  [base('3x3 s1 OH 6 scalar mult 2 relu', { cin: 5, cout: 10, group: 5, h: 6, w: 6, act: { kind: 'relu' } }), 'unrolled'],
  // row loop, 2 rows: larger filters at stride 1, stride = dilation = 2
  [base('5x5 s1 vec4 64x64-like 13x17', { cin: 24, h: 13, w: 17, kernel: [5, 5], pads: [2, 2, 2, 2] }), 'loop2'],
  [base('5x5 s1 scalar c7 n=3', { n: 3, cin: 7, h: 7, w: 8, kernel: [5, 5], pads: [1, 2, 3, 2], act: { kind: 'none' } }), 'loop2'],
  [base('7x3 s1 vec4', { cin: 8, h: 11, w: 10, kernel: [7, 3], pads: [3, 1, 3, 1] }), 'loop2'],
  [base('3x3 s2 d2 vec4', { cin: 8, h: 17, w: 15, strides: [2, 2], dilations: [2, 2], pads: [2, 2, 2, 2] }), 'loop2'],
  // row loop, 1 row: stride 2, stride 3, dilation without stride, a single output row
  [base('3x3 s2 vec4 odd 15x13', { cin: 16, h: 15, w: 13, strides: [2, 2] }), 'loop1'],
  [base('5x5 s2 scalar mult 2', { cin: 5, cout: 10, group: 5, h: 14, w: 11, kernel: [5, 5], strides: [2, 2], pads: [1, 1, 2, 2] }), 'loop1'],
  [base('3x3 s3x1', { cin: 4, h: 16, w: 9, strides: [3, 1] }), 'loop1'],
  [base('3x3 s1 d2 (dilation along H)', { cin: 8, h: 12, w: 12, dilations: [2, 2], pads: [2, 2, 2, 2] }), 'loop1'],
  [base('3x3 one output row', { cin: 8, h: 3, w: 20, pads: [0, 1, 0, 1] }), 'loop1'],
  // every activation on the unrolled and the loop form
  ...ACTS.flatMap(([label, act]): [Config, string][] => [
    [base(`act ${label} unrolled`, { cin: 8, h: 7, w: 9, act: act as FusedActivation }), 'unrolled'],
    [base(`act ${label} loop`, { cin: 8, h: 7, w: 9, kernel: [5, 5], pads: [2, 2, 2, 2], act: act as FusedActivation }), 'loop2'],
  ]),
];

const FORM: Record<string, RegExp> = { unrolled: /\.b2x\d\.k\d\./, loop2: /\.b2x\d\.kw/, loop1: /\.b1x\d\.kw/ };

describe('software-adapter depthwise kernel vs reference', () => {
  it.each(CASES.map(([c, form]) => [`${c.name} [${form}]`, c, form] as const))('%s', async (_n, cfg, form) => {
    const { sw, pipelines } = await setup();
    const { rn, inputs } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const [oh, ow] = want.shape.slice(2) as [number, number];
    const plan = planDepthwiseRegister({
      n: cfg.n, c: cfg.cin, h: cfg.h, w: cfg.w, cout: cfg.cout, oh, ow, kh: cfg.kernel[0], kw: cfg.kernel[1],
      strides: cfg.strides, dilations: cfg.dilations, pads: cfg.pads,
    });
    expect(registerDepthwiseShader(plan).name).toMatch(FORM[form]!);
    // every form first runs as the row loop with the store loop (Dispatch.upgrade; on a fresh cache, where the
    // exact kernel is not compiled yet): both are checked
    for (const first of [true, false]) {
      const got = await runProgram(sw, convProgram({ variant: 'register' }), rn, inputs, first ? new PipelineCache(sw.device) : pipelines, undefined, first);
      const { maxErr, bad } = compare(got.y, want.data);
      if (bad >= 0) expect.fail(`${first ? 'row loop' : form}: element ${bad}: gpu ${got.y[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
    }
  });

  it('a model runs the row loop first and the unrolled kernel once compiled, with the same results', async () => {
    const { sw } = await setup();
    const g = new GraphBuilder('dw');
    const x = g.input('x', [1, 8, 12, 13]);
    const r = rng(77);
    const w = new Float32Array(8 * 9).map(() => r() * 2 - 1);
    g.output(g.depthwiseConv2d(x, 8, 3, { padding: 1, weight: w, bias: false }), 'y');
    const rg = resolve(g.build());
    const cache = new PipelineCache(sw.device);
    const exec = await GpuExecutor.compile(sw, rg, cache);
    const unrolled = (k: string) => /^depthwise\.register\.v4\.b2x7\.k3\./.test(k);
    expect(cache.keys.filter(unrolled)).toEqual([]);
    const input = { x: randomTensor([1, 8, 12, 13], r) };
    const want = Conv.reference([input.x, { shape: [8, 1, 3, 3], data: w }], rg.nodes[0]!.attrs as ConvAttrs)[0] as Tensor;
    const before = (await exec.run(input)).get('y')!;
    await exec.upgraded();
    expect(cache.keys.filter(unrolled).length).toBe(1);
    const after = (await exec.run(input)).get('y')!;
    exec.dispose();
    expect(compare(before.data, want.data).bad).toBe(-1);
    expect(compare(after.data, want.data).bad).toBe(-1);
    expect(exec.dispatches.length).toBe(1);
  });

  // Inf and NaN in input rows only some outputs read: those reach exactly the outputs the reference gives them
  it.each([
    ['unrolled', base('non-finite unrolled', { cin: 8, h: 8, w: 9, act: { kind: 'none' } })],
    // its first run, the 2-row loop
    ['first', base('non-finite first', { cin: 8, h: 8, w: 9, act: { kind: 'none' } })],
    ['loop2', base('non-finite loop2', { cin: 8, h: 8, w: 9, kernel: [5, 5], pads: [2, 2, 2, 2], act: { kind: 'none' } })],
    ['loop1', base('non-finite loop1', { cin: 8, h: 9, w: 9, strides: [2, 2], act: { kind: 'none' } })],
  ] as const)('Inf and NaN inputs reach only the outputs that read them [%s]', async (form, cfg) => {
    const { sw, pipelines } = await setup();
    const { rn, inputs } = build(cfg);
    const x = inputs[0] as Tensor;
    const data = x.data.slice();
    // NCHW: channel 1, row 0, column 3 = +Inf; channel 5, last row, column 0 = NaN
    data[(1 * cfg.h + 0) * cfg.w + 3] = Infinity;
    data[(5 * cfg.h + cfg.h - 1) * cfg.w + 0] = NaN;
    const ins = [{ shape: x.shape, data }, ...inputs.slice(1)];
    const want = Conv.reference(ins, rn.attrs as ConvAttrs)[0] as Tensor;
    const cache = form === 'first' ? new PipelineCache(sw.device) : pipelines;
    const got = (await runProgram(sw, convProgram({ variant: 'register' }), rn, ins, cache, undefined, form === 'first')).y;
    expect(want.data.some((v) => !Number.isFinite(v)) && want.data.some((v) => Number.isFinite(v))).toBe(true);
    for (let i = 0; i < want.data.length; i++) {
      const [g, r] = [got[i]!, want.data[i]!];
      const ok = Number.isFinite(r) ? Math.abs(g - r) <= 1e-4 + 1e-4 * Math.abs(r) : Number.isNaN(r) ? Number.isNaN(g) : g === r;
      if (!ok) expect.fail(`[${form}] element ${i}: gpu ${g}, reference ${r}`);
    }
  });

  it('the plan: 2 rows only where stride = dilation along H and there are 2 output rows; rows unrolled only for 3x3 and smaller at stride 1', () => {
    const g = (kh: number, sy: number, dy: number, oh = 9) => ({
      n: 1, c: 8, h: 20, w: 20, cout: 8, oh, ow: 9, kh, kw: kh, strides: [sy, 1] as const, dilations: [dy, 1] as const, pads: [0, 0, 0, 0] as const,
    });
    expect([g(3, 1, 1), g(5, 1, 1), g(3, 2, 2), g(3, 2, 1), g(3, 1, 2), g(3, 1, 1, 1), g(3, 1, 1, 3), g(5, 1, 1, 2)].map((x) => planDepthwiseRegister(x)).map((p) => [p.RH, p.UKH]))
      .toEqual([[2, 3], [2, 0], [2, 0], [1, 0], [1, 0], [1, 0], [2, 3], [2, 0]]);
    // the first run is the row loop and store loop of the same block (so the same grid)
    expect(firstDepthwiseRegister(planDepthwiseRegister(g(3, 1, 1)))).toMatchObject({ RH: 2, RW: 7, UKH: 0, LOOP: true });
  });
});
