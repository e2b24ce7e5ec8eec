// The hardware path's conv and GEMM tiles forced one by one (the planners pick only some): the implicit GEMM's
// staged tile (input patch in workgroup memory) and gathered tile, and the pointwise GEMM, with every register block
// (4×4, 4×8, 8×4, 8×8) and every staged TK, over odd shapes, strides, dilations, groups, batches and residuals, against
// Conv.reference; tolerance |gpu - ref| <= 1e-4 + 1e-4·|ref| (support/conv-sweep.ts). The pipeline each ran is asserted.
import { afterAll, describe, expect, it } from 'vitest';
import { getGpu, summarizeAdapter, type GpuContext } from '../src/gpu/device.js';
import { planConv2d, stagedTile, type Conv2dGeometry, type ConvTile } from '../src/gpu/kernels/conv2d.js';
import { GEMM_BLOCKS, gemmSubgroupLanes, type GemmTile } from '../src/gpu/kernels/gemm.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { convProgram } from '../src/gpu/programs/conv.gpu.js';
import { Conv, type ConvAttrs } from '../src/ops/conv.js';
import type { Tensor } from '../src/tensor.js';
import { openKernelDevice } from './support/kernel-device.js';
import { build, compare, randomTensor, rng, type Config, type Kind } from './support/conv-sweep.js';
import { runProgram } from './support/run-program.js';

let gpu: GpuContext | undefined;
let plain: GpuContext | undefined;
/** The test device (SwiftShader offers `subgroups`, of 4) presented as hardware; `bare`: one made without any optional feature. */
const hardware = async (bare = false): Promise<GpuContext> => {
  gpu ??= await openKernelDevice();
  if (bare && !plain) {
    const api = await getGpu();
    const adapter = typeof api === 'string' ? undefined : await api.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    plain = { adapter, device: await adapter.requestDevice(), info: summarizeAdapter(adapter) };
  }
  const g = bare ? plain! : gpu;
  return { ...g, info: { ...g.info, isSoftware: false } };
};
afterAll(() => {
  gpu?.device.destroy();
  plain?.device.destroy();
});

const cfg = (name: string, kind: Kind, c: Partial<Config>): Config => ({
  name, kind, n: 1, cin: 8, cout: 8, h: 9, w: 11, group: 1, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1],
  bias: true, act: { kind: 'clip', min: 0, max: 6 }, software: false, seed: 7301 + name.length, ...c,
});

const CONVS: Config[] = [
  cfg('conv 8->12 k3 s2 d2 asym pads n=2', 'conv', { n: 2, cout: 12, h: 13, w: 10, strides: [2, 2], dilations: [2, 2], pads: [2, 1, 3, 2], act: { kind: 'hardswish' } }),
  cfg('conv 3->8 k3 s2 (stem)', 'conv', { cin: 3, cout: 8, h: 15, w: 17, strides: [2, 2], act: { kind: 'relu' } }),
  cfg('conv 5->7 k7 no bias', 'conv', { cin: 5, cout: 7, h: 10, w: 9, kernel: [7, 7], pads: [3, 3, 3, 3], bias: false, act: { kind: 'none' } }),
  cfg('conv 20->70 k3 19x23 n=2 (cg past TK)', 'conv', { n: 2, cin: 20, cout: 70, h: 19, w: 23, act: { kind: 'sigmoid' } }),
  cfg('conv 16->13 k5x3 s3', 'conv', { cin: 16, cout: 13, h: 17, w: 11, kernel: [5, 3], strides: [3, 3], pads: [2, 1, 2, 1] }),
  cfg('grouped 12->6 g3 (coutg 2)', 'grouped', { cin: 12, cout: 6, group: 3, h: 7, w: 6, act: { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 } }),
];

function geometry(c: Config): Conv2dGeometry {
  const [pt, pl, pb, pr] = c.pads;
  const o = (i: number, k: number, s: number, d: number, p: number) => Math.floor((i + p - d * (k - 1) - 1) / s) + 1;
  const oh = o(c.h, c.kernel[0], c.strides[0], c.dilations[0], pt + pb);
  const ow = o(c.w, c.kernel[1], c.strides[1], c.dilations[1], pl + pr);
  return { n: c.n, c: c.cin, h: c.h, w: c.w, cout: c.cout, oh, ow, kh: c.kernel[0], kw: c.kernel[1], group: c.group, strides: c.strides, dilations: c.dilations, pads: c.pads };
}

const blockName = (b: { RM: number; RN4: number }) => (b.RM === 4 && b.RN4 === 1 ? '' : `.r${b.RM}x${4 * b.RN4}`);

/** Runs cfg with the plan forced (a residual on odd cases), checks it against the reference and returns the pipeline keys. */
async function run(c: Config, opts: { convTile?: ConvTile; gemmTile?: GemmTile }, residual: boolean, bare = false): Promise<string[]> {
  const hw = await hardware(bare);
  const pipelines = new PipelineCache(hw.device);
  const { rn, inputs } = build(c);
  const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
  const res = residual ? randomTensor(want.shape, rng(c.seed + 1)) : undefined;
  const ins = !res ? inputs : c.bias ? [...inputs, res] : [...inputs, { shape: [1], data: new Float32Array(1) }, res];
  const prog = convProgram({ ...opts, variant: 'tiled', ...(res ? { residual: { kind: 'input', index: 3 } as const } : {}) });
  const got = (await runProgram(hw, prog, rn, ins, pipelines)).y;
  const { maxErr, bad } = compare(got, res ? want.data.map((v, i) => v + res.data[i]!) : want.data);
  if (bad >= 0) expect.fail(`element ${bad}: gpu ${got[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
  return pipelines.keys;
}

describe('implicit-GEMM conv, every tile forced (hardware path)', () => {
  // staged: each block with a TX it divides, TK 16 / 8 / 4 in turn, a residual on every other case
  const staged = CONVS.flatMap((c, i) =>
    GEMM_BLOCKS.map((b, j) => {
      const TX = b.RM === 8 ? 8 : 4;
      const TY = [4, 2, 1, 8][(i + j) % 4]!;
      return [c, stagedTile(geometry(c), TY, TX, b.RN4 === 2 ? 32 : 16, b, [16, 8, 4][(i + j) % 3]!), (i + j) % 2 === 1] as const;
    }),
  );
  it.each(staged.map(([c, t, r]) => [c.name, `staged ${t.TY}x${t.TX}x${t.TN} TK${t.TK}${blockName(t)}`, r, c, t] as const))(
    '%s: %s, residual %s',
    async (_n, _t, residual, c, t) => {
      const keys = await run(c, { convTile: t }, residual);
      const want = `conv2d.staged${residual ? '.res' : ''}`;
      expect(keys.filter((k) => k.startsWith(want) && k.includes(`${blockName(t)}|`) && k.includes(`TK=${t.TK},`) && k.includes(`TY=${t.TY},`)), keys.join(', ')).toHaveLength(1);
    },
  );

  const gathered = CONVS.flatMap((c, i) => [GEMM_BLOCKS[i % 4]!, GEMM_BLOCKS[(i + 2) % 4]!].map((b, j) => [c, { staged: false, TM: 32, TN: 16 * b.RN4, ...b } as ConvTile, j === 1] as const));
  it.each(gathered.map(([c, t, r]) => [c.name, `gathered ${t.TM}x${t.TN}${blockName(t)}`, r, c, t] as const))('%s: %s, residual %s', async (_n, _t, residual, c, t) => {
    const keys = await run(c, { convTile: t }, residual);
    const want = `conv2d${residual ? '.res' : ''}`;
    expect(keys.filter((k) => k.startsWith(want) && !k.includes('staged') && k.includes(`${blockName(t)}|`)), keys.join(', ')).toHaveLength(1);
  });

  it('the planner stages the input of 3x3 convs and leaves a 1x1 stride-2 conv gathered (its patch would load 2x the pixels)', () => {
    const limits = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
    const g = (hw: number, c: number, cout: number, s: number, k: number): Conv2dGeometry => {
      const p = (k - 1) >> 1;
      const o = Math.floor((hw + 2 * p - k) / s) + 1;
      return { n: 1, c, h: hw, w: hw, cout, oh: o, ow: o, kh: k, kw: k, group: 1, strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] };
    };
    expect(planConv2d(g(56, 32, 64, 1, 3), limits).staged).toBe(true);
    expect(planConv2d(g(112, 32, 64, 2, 3), limits).staged).toBe(true);
    expect(planConv2d(g(128, 3, 24, 2, 5), limits).staged).toBe(true);
    expect(planConv2d(g(28, 64, 128, 2, 1), limits).staged).toBe(false);
  });
});

describe('pointwise GEMM, every block forced (hardware path)', () => {
  const PWS: Config[] = [
    cfg('pw 33->130 13x11', 'pw', { cin: 33, cout: 130, h: 13, w: 11, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'hardswish' } }),
    cfg('pw 64->96 7x9 n=2', 'pw', { n: 2, cin: 64, cout: 96, h: 7, w: 9, kernel: [1, 1], pads: [0, 0, 0, 0] }),
  ];
  const cases = PWS.flatMap((c, i) => GEMM_BLOCKS.map((b, j) => [c, { TM: 16 * b.RM, TN: 16 * b.RN4, ...b } as GemmTile, (i + j) % 2 === 0] as const));
  it.each(cases.map(([c, t, r]) => [c.name, `${t.TM}x${t.TN}${blockName(t)}`, r, c, t] as const))('%s: %s, residual %s', async (_n, _t, residual, c, t) => {
    // (a row group of at most 4 lanes takes the subgroup inner product here, tested below)
    const keys = (await run(c, { gemmTile: t }, residual)).map((k) => k.replace(/\.sg\d+\|/, '|'));
    const want = `gemm${residual ? '.res' : ''}`;
    expect(keys.filter((k) => k.startsWith(want) && k.includes(`${blockName(t)}|`) && k.includes(`TM=${t.TM},TN=${t.TN}`)), keys.join(', ')).toHaveLength(1);
  });
});

describe('pointwise GEMM inner product by subgroup shuffles (gemm_inner_subgroups.wgsl)', () => {
  const PWS: Config[] = [
    cfg('pw 33->130 13x11', 'pw', { cin: 33, cout: 130, h: 13, w: 11, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'hardswish' } }),
    cfg('pw 64->96 7x9 n=2', 'pw', { n: 2, cin: 64, cout: 96, h: 7, w: 9, kernel: [1, 1], pads: [0, 0, 0, 0] }),
    cfg('pw 20->6 5x3', 'pw', { cin: 20, cout: 6, h: 5, w: 3, kernel: [1, 1], pads: [0, 0, 0, 0], act: { kind: 'sigmoid' } }),
  ];
  // row groups of 4 lanes (SwiftShader's subgroup size) and of 2, with 4- and 8-row blocks
  const TILES: GemmTile[] = [
    { TM: 32, TN: 16, RM: 4, RN4: 1 },
    { TM: 64, TN: 32, RM: 8, RN4: 2 },
    { TM: 16, TN: 16, RM: 4, RN4: 2 },
    { TM: 64, TN: 16, RM: 8, RN4: 1 },
  ];
  const cases = PWS.flatMap((c, i) => TILES.map((t, j) => [c, t, (i + j) % 2 === 1] as const));
  it.each(cases.map(([c, t, r]) => [c.name, `${t.TM}x${t.TN}${blockName(t)}`, r, c, t] as const))(
    '%s: %s, residual %s: the subgroup variant where the device has subgroups, the staged one where it has not',
    async (_n, _t, residual, c, t) => {
      const hw = await hardware();
      expect(hw.device.features.has('subgroups'), 'SwiftShader offers subgroups').toBe(true);
      const nx = t.TN / (4 * t.RN4);
      expect(hw.info.subgroupMinSize % nx).toBe(0);
      const want = `gemm${residual ? '.res' : ''}`;
      const sg = await run(c, { gemmTile: t }, residual);
      expect(sg.filter((k) => k.startsWith(want) && k.includes(`${blockName(t)}.sg${nx}|`) && k.includes(`TM=${t.TM},TN=${t.TN}`)), sg.join(', ')).toHaveLength(1);
      const staged = await run(c, { gemmTile: t }, residual, true);
      expect(staged.filter((k) => k.startsWith(want) && !k.includes('.sg') && k.includes(`TM=${t.TM},TN=${t.TN}`)), staged.join(', ')).toHaveLength(1);
    },
  );

  it('a row group wider than the smallest subgroup keeps the workgroup-memory A', () => {
    const dev = { features: new Set(['subgroups']) } as unknown as GPUDevice;
    expect(gemmSubgroupLanes({ TM: 64, TN: 64, RM: 4, RN4: 1 }, dev, 4)).toBe(0);
    expect(gemmSubgroupLanes({ TM: 64, TN: 64, RM: 4, RN4: 1 }, dev, 32)).toBe(16);
    expect(gemmSubgroupLanes({ TM: 128, TN: 128, RM: 4, RN4: 1 }, dev, 32)).toBe(0); // 32 lanes, 16 A vec4s a row group
    expect(gemmSubgroupLanes({ TM: 64, TN: 64, RM: 4, RN4: 1 }, { features: new Set() } as unknown as GPUDevice, 32)).toBe(0);
  });
});
