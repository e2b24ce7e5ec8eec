// Gemm and MatMul on the GPU (tiled and register GEMM variants) vs their reference kernels.
// Data is unit-scale (uniform [-1, 1)); tolerance |gpu - ref| <= 1e-4 + 1e-4·|ref|.
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph, Value } from '../src/graph/ir.js';
import { resolve } from '../src/graph/resolve.js';
import type { GpuContext } from '../src/gpu/device.js';
import { planConv2dRegister } from '../src/gpu/kernels/conv2d.js';
import { planDepthwiseRegister } from '../src/gpu/kernels/depthwise.js';
import { bigTileWorkgroups, firstGemm4, LITERAL_WEIGHTS_BUDGET, registerGemmShader, planGemm4, softwareCores } from '../src/gpu/kernels/gemm.js';
import { openKernelDevice } from './support/kernel-device.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../src/gpu/dispatch-node.js';
import type { FusedActivation } from '../src/ops/activation.js';
import type { GemmAttrs } from '../src/ops/gemm.js';
import { sizeOf, type Shape, type Tensor } from '../src/tensor.js';

const ATOL = 1e-4;
const RTOL = 1e-4;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomTensor(shape: Shape, r: () => number): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { shape, data };
}

let shared: { hw: GpuContext; sw: GpuContext; device: GPUDevice; pipelines: PipelineCache } | undefined;
async function setup() {
  if (!shared) {
    const gpu = await openKernelDevice();
    shared = {
      device: gpu.device,
      hw: { ...gpu, info: { ...gpu.info, isSoftware: false } },
      sw: { ...gpu, info: { ...gpu.info, isSoftware: true } },
      pipelines: new PipelineCache(gpu.device),
    };
  }
  return shared;
}
afterAll(() => shared?.device.destroy());

/** Builds a one-node graph (operands marked const become initializers), runs it on the GPU and on the reference. */
async function check(
  op: 'Gemm' | 'MatMul',
  operands: { shape: Shape; constant: boolean }[],
  attrs: Record<string, number>,
  variant: 'hw' | 'sw',
  seed: number,
  act?: FusedActivation,
): Promise<number> {
  const { hw, sw, pipelines } = await setup();
  const r = rng(seed);
  const values = operands.map((o) => randomTensor(o.shape, r));
  const names = operands.map((_, i) => `in${i}`);
  const graph: Graph = {
    name: op,
    inputs: operands.flatMap((o, i) => (o.constant ? [] : [{ name: names[i]!, shape: [...o.shape] }])),
    outputs: ['y'],
    nodes: [{ name: op.toLowerCase(), op, inputs: names, outputs: ['y'], attrs }],
    initializers: new Map<string, Value>(operands.flatMap((o, i) => (o.constant ? [[names[i]!, values[i]!] as const] : []))),
    opset: 17,
  };
  const rg = resolve(graph);
  const rn0 = rg.nodes[0]!;
  const rn = act ? { ...rn0, attrs: { ...(rn0.attrs as GemmAttrs), act } } : rn0;
  const want = rn.def.reference(values, rn.attrs)[0] as Tensor;
  const [got] = await runNodeOnGpu(variant === 'hw' ? hw : sw, rn, values, rg.constants, pipelines);
  expect(got!.shape).toEqual(want.shape);
  let maxErr = 0;
  for (let i = 0; i < want.data.length; i++) {
    const e = Math.abs(got!.data[i]! - want.data[i]!);
    if (!(e <= ATOL + RTOL * Math.abs(want.data[i]!))) expect.fail(`element ${i}: gpu ${got!.data[i]}, reference ${want.data[i]}`);
    maxErr = Math.max(maxErr, e);
  }
  return maxErr;
}

const VARIANTS = ['hw', 'sw'] as const;

describe('Gemm on the GPU', () => {
  const cases: [string, number, number, number, boolean, boolean, Shape | null, number, number, boolean][] = [
    // label, M, N, K, transA, transB, C shape, alpha, beta, B constant
    ['plain 1x1x1', 1, 1, 1, false, false, null, 1, 1, true],
    ['odd 17x33x5, C [N]', 17, 33, 5, false, false, [33], 1, 1, true],
    ['transB (Linear) 3x70x64, C [1,N]', 3, 70, 64, false, true, [1, 70], 1, 1, true],
    ['transA 37x9x13, C [M,1], alpha 0.5 beta 2', 37, 9, 13, true, false, [37, 1], 0.5, 2, true],
    ['transA transB 65x67x31, C [M,N]', 65, 67, 31, true, true, [65, 67], -1.5, 0.25, true],
    ['scalar C, runtime B, transB 20x7x40', 20, 7, 40, false, true, [], 1, -1, false],
    ['runtime B 70x65x17, C [1]', 70, 65, 17, false, false, [1], 2, 1, false],
    // vec4 register-block kernel on software adapters (N % 4 == 0): M and column-group tails, C per row, transA
    ['vec4 37x20x12, C [N]', 37, 20, 12, false, false, [20], 1, 1, true],
    ['vec4 9x8x7, C [M,N], alpha -0.5 beta 1.5', 9, 8, 7, false, false, [9, 8], -0.5, 1.5, true],
    ['vec4 transA 11x12x6, runtime B, no C', 11, 12, 6, true, false, null, 1, 1, false],
    ['vec4 M=1 (classifier) 1x36x40, C [N]', 1, 36, 40, false, true, [36], 1, 1, true],
    ['vec4 M=3 (TM = M) 3x16x9, C [M,N]', 3, 16, 9, false, false, [3, 16], 1, 0.5, true],
    ['vec4 M=7 transA 7x12x5, runtime B', 7, 12, 5, true, false, [12], 2, 1, false],
  ];
  it.each(cases.flatMap((c) => VARIANTS.map((v) => [`${c[0]} ${v}`, c, v] as const)))('%s', async (_l, c, v) => {
    const [, M, N, K, tA, tB, cs, alpha, beta, bConst] = c;
    const ops = [
      { shape: tA ? [K, M] : [M, K], constant: false },
      { shape: tB ? [N, K] : [K, N], constant: bConst },
      ...(cs ? [{ shape: cs, constant: true }] : []),
    ];
    const err = await check('Gemm', ops, { transA: +tA, transB: +tB, alpha, beta }, v, M * 31 + N);
    expect(err).toBeLessThan(ATOL);
  });

  // Every operand a runtime tensor (none known at load time): the program binds A, B and C as the node's inputs.
  it.each(VARIANTS.flatMap((v) => [[v, false, [9, 12]], [v, true, [12]], [v, true, [9, 1]]] as const))(
    'runtime A, B and C (%s, transB %s, C %j)',
    async (v, tB, cs) => {
      const ops = [{ shape: [9, 7], constant: false }, { shape: tB ? [12, 7] : [7, 12], constant: false }, { shape: [...cs], constant: false }];
      await check('Gemm', ops, { transB: +tB, alpha: 0.75, beta: -1.25 }, v, 91 + cs.length);
    },
  );

  it.each(VARIANTS)('fused hardswish epilogue (%s)', async (v) => {
    const ops = [{ shape: [5, 24], constant: false }, { shape: [24, 10], constant: true }, { shape: [10], constant: true }];
    await check('Gemm', ops, {}, v, 77, { kind: 'hardswish' });
  });
});

describe('MatMul on the GPU', () => {
  const cases: [string, Shape, Shape, boolean][] = [
    ['2-D odd 13x7 · 7x29', [13, 7], [7, 29], false],
    ['batched 3x5x9 · 3x9x6', [3, 5, 9], [3, 9, 6], false],
    ['broadcast A 5x9 · 4x9x3', [5, 9], [4, 9, 3], false],
    ['broadcast B 2x3x17x8 · 8x5 (A is 4-D, NHWC on the GPU)', [2, 3, 17, 8], [8, 5], true],
    ['4-D both 2x1x6x4 · 1x3x4x7', [2, 1, 6, 4], [1, 3, 4, 7], false],
    ['1-D A 9 · 2x9x5', [9], [2, 9, 5], false],
    ['1-D B 3x4x9 · 9', [3, 4, 9], [9], false],
    ['1-D both 33 · 33', [33], [33], false],
    ['large K 2x70x300 · 300x65', [2, 70, 300], [300, 65], true],
    ['batched vec4 3x9x8 · 3x8x12', [3, 9, 8], [3, 8, 12], false],
  ];
  it.each(cases.flatMap((c) => VARIANTS.map((v) => [`${c[0]} ${v}`, c, v] as const)))('%s', async (_l, c, v) => {
    const [, as, bs, bConst] = c;
    const err = await check('MatMul', [{ shape: as, constant: false }, { shape: bs, constant: bConst }], {}, v, as.length * 7 + bs[0]!);
    expect(err).toBeLessThan(ATOL);
  });
});

/** Runs A·B (MatMul) on `gpu`, checks it against the reference and returns the pipeline keys it compiled. */
async function keysAfter(gpu: GpuContext, shapeA: Shape, shapeB: Shape): Promise<string[]> {
  const pipelines = new PipelineCache(gpu.device);
  const r = rng(5);
  const values = [randomTensor(shapeA, r), randomTensor(shapeB, r)];
  const graph: Graph = {
    name: 'mm',
    inputs: [{ name: 'a', shape: [...shapeA] }, { name: 'b', shape: [...shapeB] }],
    outputs: ['y'],
    nodes: [{ name: 'mm', op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'], attrs: {} }],
    initializers: new Map(),
    opset: 17,
  };
  const rg = resolve(graph);
  const rn = rg.nodes[0]!;
  const want = rn.def.reference(values, rn.attrs)[0] as Tensor;
  const [got] = await runNodeOnGpu(gpu, rn, values, rg.constants, pipelines);
  for (let i = 0; i < want.data.length; i++) expect(Math.abs(got!.data[i]! - want.data[i]!)).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(want.data[i]!));
  return pipelines.keys;
}

describe('software-adapter GEMM kernel choice', () => {
  it('contiguous rows run the register-block kernel: vec4 bindings where N is whole vec4s, f32 ones else', async () => {
    const { sw } = await setup();
    const vec = await keysAfter(sw, [10, 6], [6, 16]);
    const scalar = /\.s(\.loop)?\|/;
    expect(vec.some((k) => k.startsWith('gemm.register4.') && !scalar.test(k))).toBe(true);
    for (const n of [1, 2, 3, 6, 15, 42]) {
      const odd = await keysAfter(sw, [10, 6], [6, n]);
      expect(odd.some((k) => k.startsWith('gemm.register4.') && scalar.test(k)), `N ${n}: ${odd}`).toBe(true);
      expect(odd.some((k) => k.startsWith('gemm.register|'))).toBe(false);
    }
    // batched with an odd N: every batch's B and Y offsets are odd float counts
    expect((await keysAfter(sw, [3, 9, 5], [3, 5, 7])).some((k) => scalar.test(k))).toBe(true);
  });
});

describe('tiled GEMM operand loads and output stores', () => {
  it.each([
    [[37, 12], [12, 20], 'gemm.a4.b4.y4|'],
    [[37, 13], [13, 20], 'gemm.b4.y4|'],
    [[37, 12], [12, 21], 'gemm.a4|'],
    [[3, 37, 8], [8, 36], 'gemm.a4.b4.y4|'],
    [[3, 37, 8], [8, 38], 'gemm.a4|'],
    // a 16 × 16 tile: row groups of 4 lanes, SwiftShader's subgroup size, so A by subgroup shuffles
    [[5, 7], [7, 3], 'gemm.sg4|'],
    // larger register blocks where the planner picks a 128-wide tile (test/gpu-conv-tiles.test.ts forces every block)
    [[196, 64], [64, 384], 'gemm.a4.b4.y4.r4x8|'],
    [[65, 31], [31, 67], 'gemm.r4x8|'],
    [[2, 49, 160], [160, 960], 'gemm.a4.b4.y4|'],
  ] as const)('A %j · B %j binds whole vec4s where contiguous and 4-aligned, the output too (%s)', async (a, b, key) => {
    const { hw } = await setup();
    expect(await keysAfter(hw, [...a], [...b])).toEqual([expect.stringMatching(new RegExp(`^${key.replace(/[.|]/g, (c) => `\\${c}`)}`))]);
  });
});

describe('generated software-adapter kernels: what their pipeline key holds', () => {
  it('three register blocks (8 x 8; 16 x 16 for wide grids of whole 16-column tiles; 4 x 8 where 8 rows leave a core idle) and one first-call kernel per row count', () => {
    const names = new Set<string>();
    const firsts = new Set<string>();
    const rw = new Set<number>();
    for (let m = 8; m <= 20000; m = Math.ceil(m * 1.7))
      for (let n = 4; n <= 400; n += 12) {
        const p = planGemm4(false, true, false, m, false, false, n);
        const wgs = (tm: number, tn4: number) => Math.ceil((Math.ceil(m / tm) * Math.ceil(n / 4 / tn4)) / 64);
        const want = n % 16 === 0 && wgs(16, 4) >= bigTileWorkgroups() ? { TM: 16, TN4: 4 } : wgs(8, 2) < softwareCores() && wgs(4, 2) > wgs(8, 2) ? { TM: 4, TN4: 2 } : { TM: 8, TN4: 2 };
        expect(p, `${m} x ${n}`).toMatchObject({ ...want, CK: 0 });
        expect(planConv2dRegister(false, 8 + (n % 60))).toMatchObject({ TM: 8, TN4: 2, CG: 0 });
        names.add(registerGemmShader(p).name);
        firsts.add(registerGemmShader(firstGemm4(p).plan).name);
      }
    expect([...names].sort()).toEqual(['gemm.register4.16x16.cb', 'gemm.register4.4x8.cb', 'gemm.register4.8x8.cb']);
    expect([...firsts].sort()).toEqual(['gemm.register4.4x8.cb.loop', 'gemm.register4.8x8.cb.loop']);
    // the dsc workload's pointwise conv (12544 x 32 -> 64) and MobileNetV2's 7^2 projection 960 -> 160
    expect(planGemm4(false, true, false, 12544, false, false, 64)).toMatchObject({ TM: 16, TN4: 4 });
    expect(planGemm4(true, true, false, 49, false, false, 160)).toMatchObject({ TM: 8, TN4: 2 });
    // the full-range face detector's 6^2 384 -> 96 (one 8-row workgroup, two of 4 rows) and 12^2 96 -> 48 (two already)
    expect(planGemm4(false, true, false, 36, false, false, 96).TM).toBe(4);
    expect(planGemm4(false, true, false, 144, false, false, 48).TM).toBe(8);
    // fewer rows than the block: TM = M (a matrix-vector product computes its one row once)
    expect([1, 3, 7, 8, 9].map((m) => planGemm4(false, true, false, m).TM)).toEqual([1, 3, 7, 8, 8]);
  });

  it('literal weights: all of N per invocation where the grid is wide, N <= 32 and the unrolled kernel fits the budget', () => {
    const lit = (m: number, k: number, n: number, o: { batches?: number; scalar?: boolean } = {}) =>
      planGemm4(false, true, false, m, false, o.scalar ?? false, n, o.batches ?? 1, k);
    // the short-range face detector's 64^2 24 -> 24 and 24 -> 28 convs
    expect(lit(4096, 24, 24)).toMatchObject({ TM: 8, TN4: 6, CK: 24 });
    expect(lit(4096, 24, 28)).toMatchObject({ TM: 8, TN4: 7, CK: 24 });
    const wideRows = 8 * 64 * 4 * softwareCores();
    expect(lit(wideRows, 8, 32).CK).toBe(8);
    expect(lit(wideRows - 8 * 64, 8, 32).CK).toBe(0);
    expect(lit(9216, 8, 36).CK).toBe(0); // N > 32
    expect(lit(9216, 8, 32, { batches: 2 }).CK).toBe(0);
    expect(lit(9216, 8, 32, { scalar: true }).CK).toBe(0);
    for (let k = 1; k <= 200; k += 7)
      for (const n of [4, 8, 16, 24, 32]) expect(lit(9216, k, n).CK, `${k} x ${n}`).toBe(k * (n / 4 + 8 + 2 * n) <= LITERAL_WEIGHTS_BUDGET ? k : 0);
    const p = lit(4096, 24, 28);
    expect(registerGemmShader(p).name).toBe('gemm.register4.8x28.cb.ck24');
    // the first call: the shared 8 x 8 loop kernel over the tile's 4 blocks of 8 columns (the last one clamped)
    expect(firstGemm4(p)).toMatchObject({ plan: { TM: 8, TN4: 2, LOOP: true, CK: 0 }, subM: 1, subN: 4 });
    // stems: every tap unrolled within the budget, one group
    expect(planConv2dRegister(false, 3, false, 24, { kh: 5, kw: 5 })).toMatchObject({ TM: 8, TN4: 6, CW: { KH: 5, KW: 5 } });
    expect(planConv2dRegister(false, 3, false, 32, { kh: 3, kw: 3 })).toMatchObject({ TN4: 8, CW: { KH: 3, KW: 3 } });
    expect(planConv2dRegister(false, 3, false, 64, { kh: 7, kw: 7 })).toMatchObject({ TN4: 4, CW: { KH: 0, KW: 0 } });
    expect(planConv2dRegister(false, 3, false, 24)).toMatchObject({ TN4: 3, CW: { KH: 0, KW: 0 } });
  });
});

describe('generated software-adapter kernels: implicit GEMM and depthwise blocks', () => {
  it('a channel loop of at most 4 unrolled; two depthwise row widths', () => {
    const rw = new Set<number>();
    // a channel loop of at most 4 is unrolled: one pipeline per such cg
    expect([1, 3, 4, 5].map((cg) => planConv2dRegister(false, cg).CG)).toEqual([1, 3, 4, 0]);
    for (let ow = 1; ow <= 300; ow++) {
      const g = { n: 1, c: 8, h: 9, w: ow, cout: 8, oh: 9, ow, kh: 3, kw: 3, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [1, 1, 1, 1] as const };
      rw.add(planDepthwiseRegister(g).RW);
    }
    expect([...rw].sort((a, b) => a - b)).toEqual([4, 7]);
  });
});
