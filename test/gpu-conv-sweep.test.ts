// Conv on the GPU vs Conv.reference over seeded random configurations: depthwise (any multiplier), pointwise,
// regular and grouped (implicit GEMM). Data is unit-scale (uniform [-1, 1)); tolerance |gpu - ref| <= 1e-4 + 1e-4·|ref|.
// Configurations alternate between the GPU kernels (tiled GEMM, 128-wide depthwise tiles) and the
// software-adapter ones (register depthwise and scalar / vec4 register-block GEMM) by presenting the adapter as hardware
// or software.
import { afterAll, describe, expect, it } from 'vitest';
import { GpuError } from '../src/errors.js';
import type { Graph, Value } from '../src/graph/ir.js';
import { resolve, type ResolvedNode } from '../src/graph/resolve.js';
import { makeBuildCtx } from '../src/gpu/build-ctx.js';
import type { GpuContext } from '../src/gpu/device.js';
import { depthwiseDispatch, DW_SHADER, planDepthwise, type DwTiling } from '../src/gpu/kernels/depthwise.js';
import { BufferTracker } from '../src/gpu/memory.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { grid } from '../src/gpu/program.js';
import { runNodeOnGpu } from '../src/gpu/dispatch-node.js';
import { shader } from '../src/gpu/shader.js';
import type { FusedActivation } from '../src/ops/activation.js';
import { Conv, convKernelFor, type ConvAttrs } from '../src/ops/conv.js';
import { convProgram } from '../src/gpu/programs/conv.gpu.js';
import { type Shape, type Tensor } from '../src/tensor.js';
import { openKernelDevice } from './support/kernel-device.js';
import { build, compare, CONFIGS, makeConfig, randomTensor, rng, type Config, type Kind } from './support/conv-sweep.js';
import { runProgram } from './support/run-program.js';

let shared: { gpu: GpuContext; hw: GpuContext; sw: GpuContext; pipelines: PipelineCache } | undefined;
async function setup() {
  if (!shared) {
    const gpu = await openKernelDevice();
    shared = {
      gpu,
      hw: { ...gpu, info: { ...gpu.info, isSoftware: false } },
      sw: { ...gpu, info: { ...gpu.info, isSoftware: true } },
      pipelines: new PipelineCache(gpu.device),
    };
  }
  return shared;
}

const worst: Record<Kind, number> = { dw: 0, pw: 0, conv: 0, grouped: 0 };

afterAll(() => {
  if (process.env.SWEEP_KEYS) console.log((shared?.pipelines.keys ?? []).sort().join("\n"));
  shared?.gpu.device.destroy();
  console.log(`[gpu-conv-sweep] ${CONFIGS.length} configs, ${shared?.pipelines.size ?? 0} pipelines, max |gpu - ref| by kind: ${JSON.stringify(worst)}`);
});

describe('Conv GPU vs reference sweep', () => {
  it('covers every kernel, multiplier, stride, dilation and activation', () => {
    const kernels = new Set(CONFIGS.map((c) => convKernelFor([c.n, c.cin, c.h, c.w], { group: c.group, kernel: c.kernel, strides: c.strides, pads: c.pads } as ConvAttrs)));
    expect([...kernels].sort()).toEqual(['depthwise', 'implicit-gemm', 'pointwise']);
    expect(new Set(CONFIGS.filter((c) => c.kind === 'dw').map((c) => c.cout / c.cin))).toEqual(new Set([1, 2, 3]));
    expect(new Set(CONFIGS.flatMap((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(new Set(CONFIGS.map((c) => c.kernel[0]))).toEqual(new Set([1, 1, 3, 5, 7]));
    expect(CONFIGS.some((c) => c.dilations[0] === 2)).toBe(true);
    expect(CONFIGS.some((c) => c.pads[0] !== c.pads[2] || c.pads[1] !== c.pads[3])).toBe(true);
    expect(new Set(CONFIGS.map((c) => c.act.kind)).size).toBe(6);
    expect(new Set(CONFIGS.map((c) => c.n))).toEqual(new Set([1, 2, 3]));
  });

  it.each(CONFIGS.map((c) => [c.name, c] as const))('%s', async (_name, cfg) => {
    const { hw, sw, pipelines } = await setup();
    const { rn, inputs, constants } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const [got] = await runNodeOnGpu(cfg.software ? sw : hw, rn, inputs, constants, pipelines);
    expect(got!.shape).toEqual(want.shape);
    const { maxErr, bad } = compare(got!.data, want.data);
    worst[cfg.kind] = Math.max(worst[cfg.kind], maxErr);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got!.data[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
  });
});


describe('fused residual add (ConvGpuOptions.residual)', () => {
  const cases: [string, Kind, number][] = [
    ['pointwise', 'pw', 7],
    ['implicit GEMM', 'conv', 8],
    ['grouped implicit GEMM', 'grouped', 11],
  ];
  it.each(cases.flatMap(([label, kind, seed]) => (['tiled', 'register'] as const).map((v) => [`${label} ${v}`, kind, seed, v] as const)))(
    '%s: y = act(conv(x) + b) + r',
    async (_label, kind, seed, variant) => {
      const { gpu, pipelines } = await setup();
      const base = makeConfig(seed, kind);
      const cfg = { ...base, cin: kind === 'conv' ? 5 : base.cin, act: { kind: 'relu' } as FusedActivation };
      const { rn, inputs } = build(cfg);
      const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
      const res = randomTensor(want.shape, rng(seed));
      const ins = cfg.bias ? [...inputs, res] : [...inputs, { shape: [1], data: new Float32Array(1) }, res];
      const program = convProgram({ residual: { kind: 'input', index: 3 }, variant });
      const got = (await runProgram(gpu, program, rn, ins, pipelines)).y;
      const expected = want.data.map((v, i) => v + res.data[i]!);
      const { maxErr, bad } = compare(got, expected);
      expect(bad, `max err ${maxErr}`).toBe(-1);
    },
  );
});

/** Explicit configs for the software-adapter kernels (register blocks, generated per shape): tails, vec4 and scalar paths. */
describe('software-adapter kernels (register depthwise, vec4 pointwise / implicit GEMM)', () => {
  const base = (name: string, kind: Kind, c: Partial<Config>): Config => ({
    name, kind, n: 1, cin: 8, cout: 8, h: 9, w: 11, group: 1, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1],
    bias: true, act: { kind: 'clip', min: 0, max: 6 }, software: true, seed: 4242 + name.length, ...c,
  });
  const cases: Config[] = [
    // depthwise, vec4 path (C % 4 == 0, multiplier 1): RW = 8 with a 1-column tail (ow 23), stride 2 + dilation, k 5
    base('dw vec4 k3 s1 19x23', 'dw', { cin: 8, cout: 8, group: 8, h: 19, w: 23 }),
    base('dw vec4 k5 s2 d2 asym pads', 'dw', { cin: 12, cout: 12, group: 12, h: 17, w: 30, kernel: [5, 5], strides: [2, 2], dilations: [2, 2], pads: [3, 1, 2, 4], act: { kind: 'none' } }),
    base('dw vec4 stride 2x3, n=2', 'dw', { n: 2, cin: 4, cout: 4, group: 4, h: 13, w: 29, strides: [2, 3], pads: [0, 1, 1, 0], bias: false }),
    base('dw vec4 ow 1', 'dw', { cin: 16, cout: 16, group: 16, h: 5, w: 3, pads: [0, 0, 0, 0] }),
    // depthwise, scalar path: multiplier 2, C not a multiple of 4, non-square kernel
    base('dw scalar mult 2', 'dw', { cin: 3, cout: 6, group: 3, h: 10, w: 9, act: { kind: 'hardswish' } }),
    base('dw scalar c5 k7x3 s2x3', 'dw', { cin: 5, cout: 5, group: 5, h: 21, w: 20, kernel: [7, 3], strides: [2, 3], pads: [3, 1, 3, 1] }),
    // pointwise on the vec4 register block: N/4 odd (column-group tail), M tail, batch 2, K not a multiple of 4
    base('pw vec4 5->12 n=2', 'pw', { n: 2, cin: 5, cout: 12, h: 7, w: 9, kernel: [1, 1], pads: [0, 0, 0, 0] }),
    base('pw vec4 32->8 no bias', 'pw', { cin: 32, cout: 8, h: 5, w: 5, kernel: [1, 1], pads: [0, 0, 0, 0], bias: false, act: { kind: 'sigmoid' } }),
    // pointwise with N not whole vec4s (f32 bindings): BlazeFace's 36->42, a 2-class head, M < 8
    base('pw f32 36->42 relu', 'pw', { cin: 36, cout: 42, h: 6, w: 5, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'relu' } }),
    base('pw f32 42->2 n=2', 'pw', { n: 2, cin: 42, cout: 2, h: 3, w: 5, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'none' } }),
    base('pw f32 7->5 M 6', 'pw', { cin: 7, cout: 5, h: 2, w: 3, kernel: [1, 1], pads: [0, 0, 0, 0], bias: false }),
    // implicit GEMM on the vec4 register block: MobileNet's stem shape, grouped, dilated, coutg/4 = 3
    base('conv vec4 3->8 k3 s2', 'conv', { cin: 3, cout: 8, h: 15, w: 17, strides: [2, 2] }),
    base('conv vec4 grouped 6->16 g2 d2', 'grouped', { cin: 6, cout: 16, group: 2, h: 12, w: 11, dilations: [2, 2], pads: [2, 2, 2, 2] }),
    base('conv vec4 7->12 k5x3 n=3', 'conv', { n: 3, cin: 7, cout: 12, h: 8, w: 10, kernel: [5, 3], pads: [2, 0, 1, 1], act: { kind: 'relu' } }),
  ];
  const BAKED = /\.k[0-9a-f]{16}n\d+$/;
  /**
   * Runs the case on the software-adapter context against the reference, with the first call's kernels and with
   * those swapped in after it (Dispatch.upgrade); the pipeline keys it made.
   */
  async function checkSoftware(cfg: Parameters<typeof build>[0], sameBits = false): Promise<string[]> {
    const { sw } = await setup();
    const pipelines = new PipelineCache(sw.device);
    const { rn, inputs, constants } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const outs: Float32Array[] = [];
    for (const upgraded of [false, true]) {
      const [got] = await runNodeOnGpu(sw, rn, inputs, constants, pipelines, undefined, { upgraded });
      const { maxErr, bad } = compare(got!.data, want.data);
      if (bad >= 0) expect.fail(`${upgraded ? 'upgraded' : 'first'}: element ${bad}: gpu ${got!.data[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
      outs.push(got!.data);
    }
    // sameBits: the kernel swapped in sums in the first-call kernel's order, so a model's answer does not change with it
    if (sameBits) expect(outs[1]!.every((v, i) => Object.is(v, outs[0]![i]))).toBe(true);
    return pipelines.keys;
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, cfg) => {
    // The software kernels ran, not the scalar fallbacks.
    const keys = await checkSoftware(cfg);
    const expected = cfg.kind === 'dw' ? 'depthwise.register.' : cfg.kind === 'pw' ? 'gemm.register4.' : 'conv2d.register4.';
    expect(keys.some((k) => k.startsWith(expected)), keys.join(', ')).toBe(true);
  });

  // stems (channel loop unrolled, cg <= 4), one group, within LITERAL_WEIGHTS_BUDGET: every tap unrolled, the weights and
  // bias read with literal indices, one invocation covering all output channels (8 x cout); the first call runs the loop
  // form of the usual block over that tile's channel blocks (a tail clamped). Over the budget or grouped: each pixel's input feeds TN4 = 3 or 4 vec4s of output channels
  // (the one padding coutg/4 least); a channel-group tail (coutg/4 not a multiple of TN4) is computed clamped and stored twice
  it.each([
    [base('stem 3->24 k5 s2 relu', 'conv', { cin: 3, cout: 24, h: 19, w: 21, kernel: [5, 5], strides: [2, 2], pads: [1, 1, 2, 2], act: { kind: 'relu' } }), '8x24.cg3.cw5x5', '8x12'],
    [base('stem 3->16 k3 s2 hardswish', 'conv', { cin: 3, cout: 16, h: 17, w: 15, strides: [2, 2], pads: [0, 0, 1, 1], act: { kind: 'hardswish' } }), '8x16.cg3.cw3x3', '8x16'],
    [base('stem 3->20 k3 s2', 'conv', { cin: 3, cout: 20, h: 9, w: 13, strides: [2, 2], act: { kind: 'none' } }), '8x20.cg3.cw3x3', '8x12'],
    [base('stem 2->28 n=2 dilated', 'conv', { n: 2, cin: 2, cout: 28, h: 11, w: 7, dilations: [2, 1], pads: [2, 1, 2, 1], bias: false }), '8x28.cg2.cw3x3', '8x16'],
    [base('stem 4->32 k2 s1', 'conv', { cin: 4, cout: 32, h: 6, w: 10, kernel: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1], act: { kind: 'sigmoid' } }), '8x32.cg4.cw2x2', '8x16'],
    [base('stem 3->20 k7 over the literal budget, tail', 'conv', { cin: 3, cout: 20, h: 17, w: 13, kernel: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3] }), '8x12.cg3', '8x12'],
    [base('stem 3->64 k7 over the literal budget', 'conv', { cin: 3, cout: 64, h: 15, w: 12, kernel: [7, 7], strides: [2, 2], pads: [3, 2, 3, 2], act: { kind: 'relu' } }), '8x16.cg3', '8x16'],
    [base('grouped stem 6->24 g2', 'conv', { cin: 6, cout: 24, group: 2, h: 9, w: 8 }), '8x12.cg3', '8x12'],
    // ow a multiple of 8 (ROW): each kernel row's input columns loaded once for the block's 8 pixels; padding on
    // every side, odd heights, strides 1-3 along x, a dilated y, batch 2
    [base('stem row 3->24 k5 s2 relu (face)', 'conv', { cin: 3, cout: 24, h: 21, w: 32, kernel: [5, 5], strides: [2, 2], pads: [1, 1, 2, 2], act: { kind: 'relu' } }), '8x24.cg3.cw5x5.row2', '8x12'],
    [base('stem row 3->16 k3 s1 n=2', 'conv', { n: 2, cin: 3, cout: 16, h: 5, w: 16, strides: [1, 1], act: { kind: 'hardswish' } }), '8x16.cg3.cw3x3.row1', '8x16'],
    [base('stem row 2->8 k3x4 s3x3 dilated y', 'conv', { cin: 2, cout: 8, h: 13, w: 24, kernel: [3, 4], strides: [3, 3], dilations: [2, 1], pads: [2, 1, 1, 2], bias: false }), '8x8.cg2.cw3x4.row3', '8x8'],
    [base('stem row 4->12 k3 s2 sigmoid', 'conv', { cin: 4, cout: 12, h: 9, w: 31, strides: [2, 2], pads: [1, 0, 1, 2], act: { kind: 'sigmoid' } }), '8x12.cg4.cw3x3.row2', '8x12'],
  ] as const)('%s: conv2d.register4 %s, first %s', async (cfg, exact, first) => {
    const keys = (await checkSoftware(cfg, true)).filter((k) => k.startsWith('conv2d.register4.')).map((k) => k.split('|')[0]!);
    // a literal-weights kernel bakes them into its code (kernels/baked.ts): its name carries their tag
    expect(keys.filter((k) => BAKED.test(k)), keys.join(' ')).toHaveLength(exact.includes('.cw') ? 1 : 0);
    expect(keys.map((k) => k.replace(BAKED, '')).sort()).toEqual([`conv2d.register4.${exact}`, `conv2d.register4.${first}.cg${cfg.cin / cfg.group}.loop`].sort());
  });

  // B read with literal indices (planGemm4's constK: a conv's weights, N <= 32, 8-row tiles on a grid of >= 4 workgroups
  // per core, so M > 3584 here): every k unrolled, one invocation covering all of N; the first call runs the 8 x 8 loop
  // kernel over each tile's blocks (N/8 of them, rounded up: a 4-column tail clamped). M tails of 7 and 5 rows.
  it.each([
    base('pw literal 12->28 61x67', 'pw', { cin: 12, cout: 28, h: 61, w: 67, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'relu' } }),
    base('pw literal 8->32 n=2 no bias', 'pw', { n: 2, cin: 8, cout: 32, h: 45, w: 41, kernel: [1, 1], pads: [0, 0, 0, 0], bias: false, act: { kind: 'clip', min: 0, max: 6 } }),
    // the largest kernel LITERAL_WEIGHTS_BUDGET admits (60 · (8 + 8 + 64) = 4800 statements) compiles and runs
    base('pw literal 60->32 at the budget', 'pw', { cin: 60, cout: 32, h: 64, w: 64, kernel: [1, 1], pads: [0, 0, 0, 0] }),
  ].map((c) => [c.name, c] as const))('%s', async (_name, cfg) => {
    const keys = (await checkSoftware(cfg, true)).filter((k) => k.startsWith('gemm.register4.')).map((k) => k.split('|')[0]!);
    // one layer, no twin: B baked into the kernel (kernels/baked.ts)
    expect(keys.sort()).toEqual([expect.stringMatching(new RegExp(`^gemm\\.register4\\.8x${cfg.cout}\\.cb\\.ck${cfg.cin}${BAKED.source}`)), 'gemm.register4.8x8.cb.loop']);
  });

  // 16 x 16 GEMM tiles (planGemm4: N in whole 16-column tiles, a grid of >= bigTileWorkgroups(), 16 here): the first call runs the
  // 8 x 8 loop kernel over each tile's four blocks, the unrolled 16 x 16 kernel after it (Winograd's GEMM only the latter: its
  // conv's first calls run the direct kernel); M tails of 13 and 14 rows, each grid just past the 16 workgroups
  it.each([
    [base('pw 16x16 13->64 41x101', 'pw', { cin: 13, cout: 64, h: 41, w: 101, kernel: [1, 1], pads: [0, 0, 0, 0] }), ['16x16', '8x8 loop']],
    [base('pw 16x16 7->48 n=2 no bias', 'pw', { n: 2, cin: 7, cout: 48, h: 61, w: 43, kernel: [1, 1], pads: [0, 0, 0, 0], bias: false, act: { kind: 'sigmoid' } }), ['16x16', '8x8 loop']],
    [base('winograd 16x16 batched GEMM 16->64 30x34', 'conv', { cin: 16, cout: 64, h: 30, w: 34, act: { kind: 'relu' } }), ['16x16']],
  ].map(([c, want]) => [(c as Config).name, c as Config, want as string[]] as const))('%s', async (_name, cfg, want) => {
    const keys = (await checkSoftware(cfg)).filter((k) => k.startsWith('gemm.register4.')).map((k) => k.split('|')[0]!.split('.')[2]! + (k.includes('.loop') ? ' loop' : ''));
    expect(keys.sort()).toEqual(want);
  });

  it.each([
    ['pointwise', base('pw res 12->20', 'pw', { cin: 12, cout: 20, h: 6, w: 7, kernel: [1, 1], pads: [0, 0, 0, 0] })],
    ['implicit GEMM', base('conv res 4->12', 'conv', { cin: 4, cout: 12, h: 9, w: 5 })],
  ] as const)('%s register block with a fused residual', async (_l, cfg) => {
    const { sw } = await setup();
    const pipelines = new PipelineCache(sw.device);
    const { rn, inputs } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const res = randomTensor(want.shape, rng(99));
    const got = (await runProgram(sw, convProgram({ residual: { kind: 'input', index: 3 }, variant: 'register' }), rn, [...inputs, res], pipelines)).y;
    expect(compare(got, want.data.map((v, i) => v + res.data[i]!)).bad).toBe(-1);
    const keys = pipelines.keys;
    expect(keys.some((k) => k.includes('register4') && k.includes('.res'))).toBe(true);
  });
});

/** Explicit configs for the hardware-path implicit GEMM and pointwise GEMM: vec4 input gathers (cg % 4 = 0), vec4 weight
 * loads and output stores (coutg % 4 = 0), and the scalar paths beside them; the pipeline key names the binding types
 * (and .staged: the conv's input patch in workgroup memory, .sg4: the GEMM's A by subgroup shuffles, SwiftShader's 4). */
describe('hardware-path kernels (vec4 gathers, weight loads and stores)', () => {
  const base = (name: string, kind: Kind, c: Partial<Config>): Config => ({
    name, kind, n: 1, cin: 8, cout: 8, h: 9, w: 11, group: 1, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1],
    bias: true, act: { kind: 'clip', min: 0, max: 6 }, software: false, seed: 5151 + name.length, ...c,
  });
  const cases: [Config, string][] = [
    [base('conv 8->12 k3 s2 d2 asym pads n=2', 'conv', { n: 2, cout: 12, h: 13, w: 10, strides: [2, 2], dilations: [2, 2], pads: [2, 1, 3, 2], act: { kind: 'hardswish' } }), 'conv2d.staged.x4.w4|'],
    [base('conv 16->13 k5x3 s3', 'conv', { cin: 16, cout: 13, h: 17, w: 11, kernel: [5, 3], strides: [3, 3], pads: [2, 1, 2, 1], act: { kind: 'sigmoid' } }), 'conv2d.staged.x4|'],
    [base('conv 3->8 k3 s2 (stem)', 'conv', { cin: 3, cout: 8, h: 15, w: 17, strides: [2, 2], act: { kind: 'relu' } }), 'conv2d.staged.w4|'],
    [base('conv 5->7 k7 no bias', 'conv', { cin: 5, cout: 7, h: 10, w: 9, kernel: [7, 7], pads: [3, 3, 3, 3], bias: false, act: { kind: 'none' } }), 'conv2d.staged|'],
    [base('grouped 8->24 g2 d2', 'grouped', { cin: 8, cout: 24, group: 2, h: 12, w: 11, dilations: [2, 2], pads: [2, 2, 2, 2], act: { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 } }), 'conv2d.staged.x4.w4|'],
    [base('grouped 12->6 g3 (coutg 2)', 'grouped', { cin: 12, cout: 6, group: 3, h: 7, w: 6 }), 'conv2d.staged.x4|'],
    [base('pw 12->20 n=2', 'pw', { n: 2, cin: 12, cout: 20, h: 7, w: 9, kernel: [1, 1], pads: [0, 0, 0, 0] }), 'gemm.a4.b4.y4|'],
    [base('pw 5->12', 'pw', { cin: 5, cout: 12, h: 6, w: 7, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'none' } }), 'gemm.b4.y4.sg4|'],
    [base('pw 8->7', 'pw', { cin: 8, cout: 7, h: 5, w: 5, kernel: [1, 1], pads: [0, 0, 0, 0], bias: false }), 'gemm.a4.sg4|'],
    // larger tiles and blocks (test/gpu-conv-tiles.test.ts runs every block forced): odd M, N past the last column group
    [base('pw 64->384 14x14 (MobileNetV2 pw14)', 'pw', { cin: 64, cout: 384, h: 14, w: 14, kernel: [1, 1], pads: [0, 0, 0, 0] }), 'gemm.a4.b4.y4.r4x8|'],
    [base('pw 33->130 13x11', 'pw', { cin: 33, cout: 130, h: 13, w: 11, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'hardswish' } }), 'gemm|'],
    [base('pw 160->300 7x7', 'pw', { cin: 160, cout: 300, h: 7, w: 7, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'sigmoid' } }), 'gemm.a4.b4.y4|'],
    [base('conv 16->72 k3 13x15', 'conv', { cin: 16, cout: 72, h: 13, w: 15, act: { kind: 'relu' } }), 'conv2d.staged.x4.w4.r4x8|'],
    [base('conv 5->70 k3 s2 d2 25x21', 'conv', { cin: 5, cout: 70, h: 25, w: 21, strides: [2, 2], dilations: [2, 2], pads: [2, 2, 2, 2], act: { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 } }), 'conv2d.staged.r4x8|'],
    [base('grouped 16->144 g2 12x13', 'grouped', { cin: 16, cout: 144, group: 2, h: 12, w: 13, act: { kind: 'none' } }), 'conv2d.staged.x4.w4|'],
  ];
  it.each(cases.map(([c, key]) => [c.name, key, c] as const))('%s (%s)', async (_name, key, cfg) => {
    const { hw } = await setup();
    const pipelines = new PipelineCache(hw.device);
    const { rn, inputs, constants } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const [got] = await runNodeOnGpu(hw, rn, inputs, constants, pipelines);
    const { maxErr, bad } = compare(got!.data, want.data);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got!.data[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
    expect(pipelines.keys.filter((k) => k.startsWith(key)), pipelines.keys.join(', ')).toHaveLength(1);
  });

  const residualCases: [Config, string][] = [
    [cases[0]![0], 'conv2d.staged.res.x4.w4|'],
    [cases[2]![0], 'conv2d.staged.res.w4|'],
    [cases[3]![0], 'conv2d.staged.res|'],
    [cases[4]![0], 'conv2d.staged.res.x4.w4|'],
    [cases[6]![0], 'gemm.res.a4.b4.y4|'],
    [cases[8]![0], 'gemm.res.a4.sg4|'],
    [cases[9]![0], 'gemm.res.a4.b4.y4.r4x8|'],
    [cases[10]![0], 'gemm.res|'],
    [cases[13]![0], 'conv2d.staged.res.r4x8|'],
    [cases[14]![0], 'conv2d.staged.res.x4.w4|'],
  ];
  it.each(residualCases.map(([c, key]) => [c.name, key, c] as const))('%s with a fused residual (%s)', async (_name, key, cfg) => {
    const { hw } = await setup();
    const pipelines = new PipelineCache(hw.device);
    const { rn, inputs } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const res = randomTensor(want.shape, rng(cfg.seed));
    const ins = cfg.bias ? [...inputs, res] : [...inputs, { shape: [1], data: new Float32Array(1) }, res];
    const got = (await runProgram(hw, convProgram({ residual: { kind: 'input', index: 3 }, variant: 'tiled' }), rn, ins, pipelines)).y;
    expect(compare(got, want.data.map((v, i) => v + res.data[i]!)).bad).toBe(-1);
    expect(pipelines.keys.filter((k) => k.startsWith(key)), pipelines.keys.join(', ')).toHaveLength(1);
  });
});

describe('kernel limits and errors', () => {
  it('a WGSL error through PipelineCache reports the message with numbered source lines', async () => {
    const { gpu } = await setup();
    const broken = shader('depthwise.broken', DW_SHADER.source.replace('let bias = ws[KH * KW * CV + cv];', 'let bias = ws[KH * KW * CV + cv] +* 2.0;'), DW_SHADER.params);
    const err = await new PipelineCache(gpu.device).get(broken, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GpuError);
    const msg = (err as GpuError).message;
    expect(msg).toContain('WGSL compilation of "depthwise.broken" failed');
    expect(msg).toMatch(/error at line \d+:\d+/);
    expect(msg).toMatch(/^>\s*\d+ \| .*let bias = ws\[KH \* KW \* CV \+ cv\] \+\* 2\.0;/m);
  });

  it('depthwise tiles shrink to fit a small maxComputeWorkgroupStorageSize and stay correct', async () => {
    const { gpu, pipelines } = await setup();
    const cfg: Config = {
      ...makeConfig(5, 'dw'),
      n: 1, cin: 32, cout: 32, group: 32, h: 19, w: 23, kernel: [7, 7], strides: [1, 1], dilations: [2, 2], pads: [6, 6, 6, 6], bias: true,
      act: { kind: 'none' }, software: false,
    };
    const { rn, inputs } = build(cfg);
    const small: GpuContext = { ...gpu, info: { ...gpu.info, isSoftware: false, limits: { ...gpu.info.limits, maxComputeWorkgroupStorageSize: 4096 } } };
    const tracker = new BufferTracker(gpu.device);
    const ctx = makeBuildCtx(small, pipelines, tracker, []);
    const g = { n: 1, c: 32, h: 19, w: 23, cout: 32, oh: 19, ow: 23, kh: 7, kw: 7, strides: [1, 1] as const, dilations: [2, 2] as const, pads: [6, 6, 6, 6] as const };
    const d = await depthwiseDispatch(ctx, g, { kind: 'none' }, { x: { kind: 'input', index: 0 }, w: { kind: 'input', index: 1 }, b: { kind: 'input', index: 2 }, y: { kind: 'output', index: 0 } }, 'dw');
    tracker.destroyAll();
    // The tile planned for the usual 16 KiB would not fit 4 KiB; the shrunk one does, and the dispatch uses it.
    const tiles = (t: DwTiling) => Math.ceil(g.cout / 4 / t.CV) * Math.ceil(g.ow / (t.SX * t.RW)) * Math.ceil(g.oh / (t.SY * t.RH));
    const full = planDepthwise(g, { ...gpu.info.limits, maxComputeWorkgroupStorageSize: 16384 });
    const shrunk = planDepthwise(g, small.info.limits);
    expect(full.ph * full.pw * full.CV * 16).toBeGreaterThan(4096);
    expect(shrunk.ph * shrunk.pw * shrunk.CV * 16).toBeLessThanOrEqual(4096);
    expect(shrunk.STAGE * 16).toBeLessThanOrEqual(4096);
    expect(tiles(shrunk)).toBeGreaterThan(tiles(full));
    expect(d.workgroups).toEqual(grid(tiles(shrunk), small.info.limits));
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const got = (await runProgram(small, convProgram(), rn, inputs, pipelines)).y;
    expect(compare(got, want.data).bad).toBe(-1);
  });
});
