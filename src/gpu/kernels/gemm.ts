import gemmWgsl from '../../../shaders/gemm.wgsl?raw';
import gemmVec4RegisterWgsl from '../../../shaders/gemm_vec4_register.wgsl?raw';
import { GpuError } from '../../errors.js';
import { bakedArray, bakeVec4, type Baked } from './baked.js';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { firstThenExact, grid, ioStorage, type BindingRef, type Dispatch, type GpuBuildCtx, type LaterDispatch } from '../program.js';
import { shader, type ShaderDef } from '../shader.js';
import { kernelVariant, type KernelVariant } from '../variant.js';
import { pick } from './pick.js';
import { activationSpec, withActivation } from './epilogue.js';
import { withOutputType } from './output.js';
import { storageSuffix, type ElemStorage } from '../elem-storage.js';
import { operandLoaders } from './elements.js';

export const GEMM_PARAMS = defineParams([
  ['m', 'u32'], ['n', 'u32'], ['k', 'u32'],
  ['a_sm', 'u32'], ['a_sk', 'u32'], ['b_sk', 'u32'], ['b_sn', 'u32'], ['y_sm', 'u32'], ['y_sn', 'u32'], ['c_sm', 'u32'], ['c_sn', 'u32'],
  ['tiles_m', 'u32'], ['tiles_n', 'u32'], ['groups', 'u32'],
  ['alpha', 'f32'], ['beta', 'f32'], ['act_a', 'f32'], ['act_b', 'f32'],
  // columns per row of a narrow residual (GemmSpec.residualColumns; the vec4 register kernel's RN plan)
  ['r_n', 'u32'],
  // blocks per invocation tile along m and n, the vec4 register kernel's first-call (LOOP) kernel running a larger tile
  ['sub_m', 'u32'], ['sub_n', 'u32'],
] as const);

const gemmDefs = new Map<string, ShaderDef>();

/** How the tiled GEMM binds its buffers: A, B, Y (and R) as f32 or vec4 arrays, B as f16 storage. */
export interface GemmBinding {
  aVec?: boolean;
  bVec?: boolean;
  /** B stored as f16 (the device having shader-f16) */
  bHalf?: boolean;
  /** Y and R as vec4 arrays: one vec4 store per row of a block (shaders/out_vec4.wgsl) */
  yVec?: boolean;
  /** storage of the activations A, Y and R (src/gpu/act-storage.ts; f16 flavours tiled only), f32 by default */
  a?: ElemStorage;
  y?: ElemStorage;
  r?: ElemStorage;
}

/** Rows and vec4 column groups per invocation of gemm_tile.wgsl (RM × 4·RN4 outputs). */
export interface GemmBlock {
  RM: number;
  RN4: number;
}

/** The software-adapter entry points' block, and the tiled one's smallest. */
export const BLOCK_4X4: GemmBlock = { RM: 4, RN4: 1 };

/** gemm_tile.wgsl's block consts (array sizes, so part of the shader text) and the name suffix they give. */
export function withBlock(source: string, b: GemmBlock): { source: string; suffix: string } {
  const suffix = b.RM === 4 && b.RN4 === 1 ? '' : `.r${b.RM}x${4 * b.RN4}`;
  return { source: `const RM: u32 = ${b.RM}u;\nconst RN4: u32 = ${b.RN4}u;\n${source}`, suffix };
}

const INNER = '// #include "gemm_inner.wgsl"';

/**
 * The GEMM module for an entry point; every vec4 or f16 binding and a block other than 4×4 is for the tiled variant
 * only. `sgNx`: the tiled inner product by subgroup shuffles of A (gemm_inner_subgroups.wgsl) for a tile of that
 * many lanes per row group (gemmSubgroupLanes), 0: A staged in workgroup memory.
 */
export function gemmShader(variant: KernelVariant, residual: boolean, b: GemmBinding = {}, block: GemmBlock = BLOCK_4X4, sgNx = 0): ShaderDef {
  const { aVec = false, bVec = false, bHalf = false, yVec = false, a = 'f32', y = 'f32', r = 'f32' } = b;
  const entry = variant === 'tiled' ? (residual ? 'main_res' : 'main') : residual ? 'reg_res' : 'reg_main';
  const wgsl = sgNx ? `const SG_NX: u32 = ${sgNx}u;\n${gemmWgsl.replace(INNER, '// #include "gemm_inner_subgroups.wgsl"')}` : gemmWgsl;
  const blocked = withBlock(withOutputType(withActivation(wgsl), yVec, y, residual ? r : 'f32'), block);
  const io = storageSuffix('a', a) + storageSuffix('y', y) + (residual ? storageSuffix('r', r) : '');
  const name = `gemm${variant === 'tiled' ? '' : '.register'}${residual ? '.res' : ''}${aVec ? '.a4' : ''}${bVec ? '.b4' : ''}${bHalf ? '.bh' : ''}${yVec ? '.y4' : ''}${io}${blocked.suffix}${sgNx ? `.sg${sgNx}` : ''}`;
  let def = gemmDefs.get(name);
  if (!def) {
    const source = [operandLoaders('a', 'a', aVec, a), operandLoaders('b', 'bm', bVec, bHalf ? 'f16' : 'f32'), blocked.source].join('\n');
    gemmDefs.set(name, (def = shader(name, source, GEMM_PARAMS, entry)));
  }
  return def;
}

export interface GemmTile extends GemmBlock {
  TM: number;
  TN: number;
}

/** Floats the tiled GEMM loads and stores (the counted traffic of bench/traffic.ts): A once per N tile, B and the bias once per M tile. */
export function gemmTraffic(m: number, n: number, k: number, t: GemmTile, residual = false): number {
  const tilesM = Math.ceil(m / t.TM);
  const tilesN = Math.ceil(n / t.TN);
  return m * k * tilesN + (k * n + n) * tilesM + m * n * (residual ? 2 : 1);
}

/**
 * Workgroups a layer should give a GPU to fill it: 2 per compute unit (2 resident per unit hide one's barriers),
 * for 32 units. WebGPU exposes no compute-unit count (neither device.limits nor GPUAdapterInfo), so the figure is
 * a mid-range GPU's: RTX 3060 28 SMs, RX 6600 28 CUs, Arc A750 28 Xe-cores, Apple M2 Pro 19 cores, M1 Max 32;
 * integrated GPUs have fewer, so they are filled too.
 */
export const MIN_WORKGROUPS = 64;

/** Counted traffic a plan may add over the least (a fraction of it) to reach MIN_WORKGROUPS. */
export const FILL_SLACK = 0.25;

/** A candidate tile, its counted traffic (floats) and the workgroups it dispatches. */
export interface TileCandidate<T> {
  t: T;
  cost: number;
  workgroups: number;
}

/**
 * The minimum-workgroups rule: among the candidates within FILL_SLACK of the least traffic, the least traffic of
 * those dispatching at least MIN_WORKGROUPS, else the most workgroups; ties to the earlier `prefer` (then the
 * earlier candidate).
 */
export function pickTile<T>(cands: readonly TileCandidate<T>[], prefer: (a: T, b: T) => boolean): T | undefined {
  if (cands.length === 0) return undefined;
  const least = Math.min(...cands.map((c) => c.cost));
  const near = cands.filter((c) => c.cost <= least * (1 + FILL_SLACK));
  const full = near.filter((c) => c.workgroups >= MIN_WORKGROUPS);
  const pool = full.length ? full : near.filter((c) => c.workgroups === Math.max(...near.map((n) => n.workgroups)));
  return pool.reduce((best, c) => (c.cost < best.cost || (c.cost === best.cost && prefer(c.t, best.t)) ? c : best)).t;
}

/** Register blocks of gemm_tile.wgsl: RM rows × 4·RN4 columns per invocation. */
export const GEMM_BLOCKS: readonly GemmBlock[] = [BLOCK_4X4, { RM: 4, RN4: 2 }, { RM: 8, RN4: 1 }, { RM: 8, RN4: 2 }];

/** Whether a tile of a TM × TN workgroup with this block fits the device (invocations and workgroup memory, tk rows of B staged per step). */
export function tileFits(TM: number, TN: number, b: GemmBlock, stagedFloats: number, limits: Readonly<Record<string, number>>): boolean {
  const [x, y] = [TN / (4 * b.RN4), TM / b.RM];
  return (
    x * y <= (limits.maxComputeInvocationsPerWorkgroup ?? 256) && x <= (limits.maxComputeWorkgroupSizeX ?? 256) &&
    y <= (limits.maxComputeWorkgroupSizeY ?? 256) && stagedFloats * 4 <= (limits.maxComputeWorkgroupStorageSize ?? 16384)
  );
}

/** Ties: the smaller tile (more workgroups in flight), then the smaller block (fewer registers). */
export function smallerTile(a: GemmTile, b: GemmTile): boolean {
  return a.TM * a.TN < b.TM * b.TN || (a.TM * a.TN === b.TM * b.TN && a.RM * a.RN4 < b.RM * b.RN4);
}

/**
 * Workgroup tile of the tiled variant (gemm_tile.wgsl) by pickTile over the TM × TN the device runs
 * ((TM/RM)·(TN/(4·RN4)) invocations, (TM + TN)·TK floats of workgroup memory), each costed by its counted
 * traffic. An invocation holds a 4×4, 4×8, 8×4 or 8×8 block: the larger blocks allow tiles of up to 128 × 128 in
 * 256 invocations, which is what cuts A's re-reads on narrow-M layers (MobileNetV2's 14² pointwise convs). A tile
 * at least twice N (or M) is never picked: half of it would idle. `batches`: matrices (workgroups per tile).
 */
export function gemmTile(m: number, n: number, k: number, limits: Readonly<Record<string, number>>, batches = 1): GemmTile {
  const cands: TileCandidate<GemmTile>[] = [];
  for (const TM of [16, 32, 64, 128])
    for (const TN of [16, 32, 64, 128])
      for (const b of GEMM_BLOCKS) {
        if (!tileFits(TM, TN, b, (TM + TN) * GEMM_TK, limits)) continue;
        if ((TM > 16 && TM / 2 >= m) || (TN > 16 && TN / 2 >= n)) continue;
        const t = { TM, TN, ...b };
        cands.push({ t, cost: gemmTraffic(m, n, k, t), workgroups: Math.ceil(m / TM) * Math.ceil(n / TN) * batches });
      }
  return pickTile(cands, smallerTile) ?? { TM: 16, TN: 16, ...BLOCK_4X4 };
}

/**
 * Lanes per row group of the tile (TN/(4·RN4)) when the device can run its inner product by subgroup shuffles
 * (gemm_inner_subgroups.wgsl): it has `subgroups` and the lanes divide both its smallest subgroup size and the
 * row group's RM·4 A vec4s per step; else 0.
 */
export function gemmSubgroupLanes(t: GemmTile, device: GPUDevice, subgroupMinSize: number): number {
  const nx = t.TN / (4 * t.RN4);
  return device.features.has('subgroups') && subgroupMinSize % nx === 0 && (4 * t.RM) % nx === 0 ? nx : 0;
}

/** gemm_tile.wgsl's TK: the reduction depth staged per step. */
const GEMM_TK = 16;

/** Y[t] = act(alpha·A[t]·B[t] + beta·C) (+ R[t]), every operand addressed by element strides (see gemm.wgsl). */
export interface GemmSpec {
  m: number;
  n: number;
  k: number;
  a: BindingRef;
  aStrides: readonly [number, number];
  b: BindingRef;
  bStrides: readonly [number, number];
  y: BindingRef;
  yStrides: readonly [number, number];
  /** Per batch: element offsets of A, B and Y. Defaults to one batch at offset 0. */
  offsets?: readonly (readonly [number, number, number])[];
  c?: { ref: BindingRef; strides: readonly [number, number]; beta: number };
  alpha?: number;
  act: FusedActivation;
  /** A tensor laid out like Y, added after the activation (fused residual Add). */
  residual?: BindingRef;
  /** The residual is added before the activation (a post-residual Relu fused); the vec4 register kernel only. */
  residualFirst?: boolean;
  /**
   * The residual has only this many columns (a multiple of 4, rows of that length, one batch), the rest read as
   * zero: a folded channel Pad (src/gpu/fold-pad-residual.ts); the vec4 register kernel only.
   */
  residualColumns?: number;
  variant?: KernelVariant;
  /** B's buffer holds f16 elements (packFloat16); the tiled variant only (the device having shader-f16). */
  bF16?: boolean;
  /** The tiled variant's tile, instead of gemmTile's (tests run every block) */
  tile?: GemmTile;
  /** B's buffer is exactly k × n floats (a conv's weights): the vec4 register kernel may index it with literals (Gemm4Plan.CK) */
  bConst?: boolean;
  /** B's values (bConst), for the literal-B kernel to bake into its code (kernels/baked.ts): where no other layer shares it */
  bBake?: Float32Array;
}

/** Register block of the vec4 register kernel (gemm_vec4_register.wgsl): TM rows × TN4 groups of 4 columns per invocation. */
export interface Gemm4Plan {
  TM: number;
  TN4: number;
  RES: boolean;
  /** C absent or broadcast over rows (c_sm = 0): read once per column group */
  CB: boolean;
  /** residual first: act(… + R), the activation after the residual (a fused post-residual Relu) */
  RF: boolean;
  /** narrow residual: R has params.r_n columns per row, zero beyond (a folded channel Pad) */
  RN: boolean;
  /** B, C, Y and R bound as f32, each column loaded and stored alone (N, a stride or an offset not in whole vec4s) */
  S: boolean;
  /**
   * The rows stored by a loop (each row's accumulators picked by selects, src/gpu/kernels/pick.ts), not unrolled:
   * SwiftShader compiles it in ~55% of the time (its compile time follows the code's memory operations, most of
   * them the epilogue's) and runs it slower; the first call's kernel (gemm4Dispatch), the unrolled one swapped in
   * after it.
   */
  LOOP: boolean;
  /**
   * K when B is read with literal indices (planGemm4's constK): B bound as a fixed-size K × TN4 vec4 array, one
   * invocation covering all of N (TN4 = N/4), every k unrolled; 0 otherwise.
   */
  CK: number;
}

/** True when B, C, Y (and R) have contiguous rows, all the vec4 register kernel needs (A is read as floats with any strides). */
export function gemm4Eligible(s: GemmSpec): boolean {
  return s.bStrides[1] === 1 && s.yStrides[1] === 1 && (!s.c || s.c.strides[1] === 1);
}

/** True when, besides, B, C, Y and R can be addressed in whole vec4s along n: the kernel binds them as vec4 arrays. */
export function gemm4Vec(s: GemmSpec): boolean {
  const d4 = (v: number) => v % 4 === 0;
  const offs = s.offsets ?? [[0, 0, 0]];
  return (
    gemm4Eligible(s) && d4(s.n) && d4(s.bStrides[0]) && d4(s.yStrides[0]) && offs.every((o) => d4(o[1]) && d4(o[2])) &&
    (!s.c || d4(s.c.strides[0])) && (s.residualColumns === undefined || d4(s.residualColumns))
  );
}

/** Cores a software adapter spreads workgroups over (one workgroup runs on one core): navigator.hardwareConcurrency, 2 where unknown. */
export function softwareCores(): number {
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2);
}

/**
 * Workgroups a 16 × 16 tile grid needs before planGemm4 takes it: 8 per core. On this 2-core machine (Chromium,
 * two models loaded in one page, per-node timestamp medians alternated, both load orders): the selfie segmenter's
 * 128² 16 → 16 convs (16 workgroups) 0.78-0.93×, MobileNetV2's 112² and 56² expansions (28-74) 0.80-0.93×; the
 * face detector (full range) whole run 0.92-0.98×.
 */
export function bigTileWorkgroups(): number {
  return 8 * softwareCores();
}

/**
 * Unrolled statements (a load, an FMA) allowed in one kernel that takes its weights as literals (Gemm4Plan.CK,
 * Conv2dRegisterPlan.CW): SwiftShader compiles ~1.1 ms of CPU per statement (Node, Dawn: the face detector's 5 × 5
 * stem, 4650 statements, 5.3 s; a 24 × 24 pointwise GEMM, 1488, 1.6 s), off the first result's path, and a
 * 6400-statement GEMM crashed its compiler (the process, in Node).
 */
export const LITERAL_WEIGHTS_BUDGET = 4800;

/**
 * 8 rows × 8 columns for most shapes with M ≥ 8, so layers differing only in M and N share one pipeline (rows past M
 * and column groups past N/4 are clamped, see gemm_vec4_register.wgsl); 16 × 16 where N/4 rounded up is whole groups of
 * 4 (16 columns) and the grid stays wide (bigTileWorkgroups): half the loads per FMA. Chromium, SwiftShader, timestamp queries on the
 * dsc workload's 12544 × 32 → 64 pointwise GEMM: 15.3 → 13.4 ms; on MobileNetV2's 14² and 7² projections, where
 * 16 × 16 leaves one or two workgroups, it doubled their time, hence the width rule. Wider 8-row tiles (8 × 24,
 * 8 × 32 where N ≤ 32 and M ≥ 1024: the face detector's 64² and 32² pointwise convs) were 4-10% slower. A 16 × 16
 * kernel compiles in ~0.4 s CPU (Node, Dawn's SwiftShader), off the first result's path: the first call runs the
 * 8 × 8 loop kernel over the tile's four blocks (Gemm4Plan.LOOP).
 * 4 rows where 8 leave the grid one workgroup short of the cores, and 4 make it wider: the full-range face detector's
 * 6² 384 → 96 convs 0.67-0.76× (one workgroup → two); where 8 rows already fill two workgroups, 4 rows were
 * 1.1-1.4× slower.
 * constK: B is a constant k × n (a conv's weights) that may be indexed with literals; with 8-row tiles on a grid of
 * ≥ 4 workgroups per core, N ≤ 32 and within LITERAL_WEIGHTS_BUDGET, one invocation covers all of N and k is
 * unrolled (CK): B's loads are literal indices, one load per lane group instead of a gather per lane (SwiftShader's
 * cost). The face detectors' 64² and 96² convs (K 8-32, N 8-32): 0.63-0.92×; at 32² (4-row tiles to keep the grid
 * wide) no gain, at 16² (2 rows) 1.4-2.2× slower.
 */
export function planGemm4(
  residual: boolean, cBroadcast: boolean, residualFirst = false, m = 8, narrowResidual = false, scalar = false, n = 8, batches = 1, constK = 0,
): Gemm4Plan {
  const flags = { RES: residual, CB: cBroadcast, RF: residual && residualFirst, RN: residual && narrowResidual, S: scalar, LOOP: false, CK: 0 };
  // workgroups of the grid of TM × TN4 blocks
  const wgs = (tm: number, tn4: number) => Math.ceil(gemm4Grid(m, n, batches, tm, tn4) / 64);
  const n4 = n / 4;
  if (constK && !scalar && batches === 1 && n4 <= 8 && wgs(8, n4) >= 4 * softwareCores() && constK * (n4 + 8 + 8 * n4) <= LITERAL_WEIGHTS_BUDGET)
    return { ...flags, TM: 8, TN4: n4, CK: constK };
  if (m >= 16 && Math.ceil(n4) % 4 === 0 && wgs(16, 4) >= bigTileWorkgroups()) return { ...flags, TM: 16, TN4: 4 };
  // M < 8 (a classifier's matrix-vector product): rows past M would recompute the last row; TM = M rows instead
  const TM = m >= 8 && wgs(8, 2) < softwareCores() && wgs(4, 2) > wgs(8, 2) ? 4 : Math.max(1, Math.min(8, m));
  return { ...flags, TM, TN4: 2 };
}

/** Invocations of the vec4 register kernel's grid: one per TM × TN4 block of every batch. */
function gemm4Grid(m: number, n: number, batches: number, TM: number, TN4: number): number {
  return Math.ceil(m / TM) * Math.ceil(n / 4 / TN4) * batches;
}

/** The first call's kernel of plan `p` (its LOOP kernel, 8 × 8 blocks for a 16 × 16 tile) and the blocks per tile along m and n. */
export function firstGemm4(p: Gemm4Plan): { plan: Gemm4Plan; subM: number; subN: number } {
  const TM = Math.min(p.TM, 8);
  return { plan: { ...p, TM, TN4: 2, LOOP: true, CK: 0 }, subM: p.TM / TM, subN: Math.ceil(p.TN4 / 2) };
}

const gemm4Sources = new Map<string, ShaderDef>();
const BLOCK_LOOP = `for (var sb = 0u; sb < params.sub_m * params.sub_n; sb++) {
  let m0 = (tile.y * params.sub_m + sb / params.sub_n) * TM;
  let n40 = (tile.x * params.sub_n + sb % params.sub_n) * TN4;`;
const Q4 = [0, 1, 2, 3];

/**
 * Generates (once per plan) the unrolled kernel from shaders/gemm_vec4_register.wgsl; a literal-B kernel (CK) given
 * `baked` reads B from them (bakedArray), a kernel of its own (not kept here).
 */
export function registerGemmShader(p: Gemm4Plan, baked?: Baked): ShaderDef {
  const bk = p.CK && baked ? bakedArray(baked, 'b') : undefined;
  const name = `gemm.register4.${p.TM}x${p.TN4 * 4}${p.RES ? (p.RF ? '.resfirst' : '.res') : ''}${p.RN ? '.narrow' : ''}${p.CB ? '.cb' : ''}${p.S ? '.s' : ''}${p.LOOP ? '.loop' : ''}${p.CK ? `.ck${p.CK}` : ''}${bk?.suffix ?? ''}`;
  let def = gemm4Sources.get(name);
  if (def) return def;
  const { TM, TN4, RES, CB, S, LOOP } = p;
  const I = Array.from({ length: TM }, (_, i) => i);
  const J = Array.from({ length: TN4 }, (_, j) => j);
  // Strides and offsets in elements of CT (vec4s, or floats with S); column group j is element bc{j} (vec4s) or
  // the four clamped columns cn{j}_{q} (S).
  const unit = S ? '' : ' / 4u';
  const col = (arr: string, base: string, j: number) =>
    S ? `vec4<f32>(${Q4.map((q) => `${arr}[${base} + cn${j}_${q}]`).join(', ')})` : `${arr}[${base} + bc${j}]`;
  const put = (base: string, j: number, v: string) =>
    S ? [`let o${base}_${j} = ${v};`, ...Q4.map((q) => `y[${base} + cn${j}_${q}] = o${base}_${j}[${q}];`)] : [`y[${base} + bc${j}] = ${v};`];
  const setup = [
    `let ln = params.n${unit} - 1u;`,
    `let b_sk = params.b_sk${unit};`,
    `let boff = off[3u * t + 1u]${unit};`,
    ...I.flatMap((i) => [`let gm${i} = min(m0 + ${i}u, lm);`, `let ar${i} = aoff + gm${i} * params.a_sm;`]),
    ...J.flatMap((j) => (S ? Q4.map((q) => `let cn${j}_${q} = min(4u * (n40 + ${j}u) + ${q}u, ln);`) : [p.CK ? `let bc${j} = ${j}u;` : `let bc${j} = min(n40 + ${j}u, ln);`])),
    ...I.flatMap((i) => J.map((j) => `var s${i}_${j} = vec4<f32>(0.0);`)),
  ];
  const step = (ka: string, bj: (j: number) => string) => [
    ...J.map((j) => `let b${j} = ${bj(j)};`),
    ...I.flatMap((i) => [`let av${i} = a[ar${i} + ${ka}];`, ...J.map((j) => `s${i}_${j} += av${i} * b${j};`)]),
  ];
  const body = p.CK
    ? Array.from({ length: p.CK }, (_, k) => `{
    ${step(`${k}u * params.a_sk`, (j) => `${bk?.array ?? 'b'}[${k * TN4 + j}u]`).join('\n    ')}
  }`)
    : [`for (var k = 0u; k < params.k; k++) {
    let ka = k * params.a_sk;
    let bk = boff + k * b_sk;
    ${step('ka', (j) => col('b', 'bk', j)).join('\n    ')}
  }`];
  // Rows past M and columns past N were computed from the clamped (last) row / column, so they hold exactly
  // that row's / column's values: storing them there again needs no branch.
  // CB (C is one row broadcast over M, e.g. a bias): C is read once per column group, not per row.
  // Row i's accumulator of group j, its clamped row and its output row start: the unrolled names, or (LOOP) the
  // epilogue loop's.
  const acc = (i: number, j: number) => (LOOP ? `e${j}` : `s${i}_${j}`);
  const gm = (i: number) => (LOOP ? 'gm' : `gm${i}`);
  const yr = (i: number) => (LOOP ? 'yr' : `yr${i}`);
  const lin = (i: number, j: number) => (CB ? `params.alpha * ${acc(i, j)} + cb${j}` : `params.alpha * ${acc(i, j)} + params.beta * ${col('c', `${gm(i)} * c_sm`, j)}`);
  // a narrow residual: its row gm·r_n, columns past r_n zero (the load clamped into the row, then dropped)
  const narrow = (i: number, j: number) =>
    S
      ? `vec4<f32>(${Q4.map((q) => `select(0.0, r[${gm(i)} * r_n + min(cn${j}_${q}, r_n - 1u)], cn${j}_${q} < r_n)`).join(', ')})`
      : `select(vec4<f32>(0.0), r[${gm(i)} * r_n + min(bc${j}, r_n - 1u)], bc${j} < r_n)`;
  const r = (i: number, j: number) => (p.RN ? narrow(i, j) : col('r', yr(i), j));
  const out = (i: number, j: number) => (!RES ? `act4(${lin(i, j)})` : p.RF ? `act4(${lin(i, j)} + ${r(i, j)})` : `act4(${lin(i, j)}) + ${r(i, j)}`);
  // LOOP: row i's accumulators picked by selects
  const rows = LOOP
    ? [
        `for (var i = 0u; i < TM; i++) {\n    let gm = min(m0 + i, lm);\n    let yr = yoff + gm * y_sm;\n    ${[
          ...J.map((j) => `let e${j} = ${pick('i', I.map((i) => `s${i}_${j}`))};`),
          ...J.flatMap((j) => put('yr', j, out(0, j))),
        ].join('\n    ')}\n  }`,
      ]
    : I.flatMap((i) => [`let yr${i} = yoff + gm${i} * y_sm;`, ...J.flatMap((j) => put(`yr${i}`, j, out(i, j)))]);
  const store = [
    `let yoff = off[3u * t + 2u]${unit};`,
    `let y_sm = params.y_sm${unit};`,
    ...(CB ? [] : [`let c_sm = params.c_sm${unit};`]),
    ...(p.RN ? [`let r_n = params.r_n${unit};`] : []),
    ...(CB ? J.flatMap((j) => [`var cb${j} = vec4<f32>(0.0);`, `if (HAS_C) {\n    cb${j} = params.beta * ${col('c', '0u', j)};\n  }`]) : []),
    ...rows,
  ];
  const source = [`const TM: u32 = ${TM}u;`, `const TN4: u32 = ${TN4}u;`, `alias CT = ${S ? 'f32' : 'vec4<f32>'};`, ...(bk ? [bk.decl] : []), withActivation(gemmVec4RegisterWgsl)]
    .join('\n')
    .replace('${RES_BINDING}', RES ? '@group(0) @binding(6) var<storage, read> r: array<CT>;' : '')
    .replace('${BLOCKS}', LOOP ? BLOCK_LOOP : 'let m0 = tile.y * TM;\n  let n40 = tile.x * TN4;')
    .replace('${BLOCKS_END}', LOOP ? '}' : '')
    .replace('${SETUP}', setup.join('\n  '))
    .replace('${BODY}', (bk?.keep ?? '') + body.join('\n  '))
    .replace('${B_BINDING}', `@group(0) @binding(2) var<storage, read> b: array<CT${p.CK ? `, ${p.CK * TN4}` : ''}>;`)
    .replace('${STORE}', store.join('\n  '));
  def = shader(name, source, GEMM_PARAMS);
  if (!bk) gemm4Sources.set(name, def);
  return def;
}

export async function gemmDispatch(ctx: GpuBuildCtx, s: GemmSpec, label: string): Promise<Dispatch | undefined> {
  const batches = s.offsets?.length ?? 1;
  if (s.m === 0 || s.n === 0 || batches === 0) return undefined;
  const variant = s.variant ?? kernelVariant(ctx.info);
  if (s.bF16 && variant !== 'tiled') throw new GpuError(`GEMM "${label}": f16 weights are a tiled-kernel path; the ${variant} variant reads f32`, 'GPU_UNSUPPORTED');
  const { x: sa, y: sy, r: sr } = ioStorage(ctx, variant, `GEMM "${label}"`, s.a, s.y, s.residual);
  if (variant === 'register' && gemm4Eligible(s)) return gemm4Dispatch(ctx, s, label);
  if (s.residualColumns !== undefined) throw new GpuError(`GEMM "${label}": a narrow residual needs the vec4 register kernel (contiguous rows of B, C and Y, software adapter)`, 'GPU_UNSUPPORTED');
  if (s.residualFirst) throw new GpuError(`GEMM "${label}": an activation after the residual needs the vec4 register kernel (contiguous rows of B, C and Y, software adapter)`, 'GPU_UNSUPPORTED');
  const a = activationSpec(s.act);
  const { TM, TN, ...block } = variant === 'tiled' ? (s.tile ?? gemmTile(s.m, s.n, s.k, ctx.limits, batches)) : { TM: 4, TN: 4, ...BLOCK_4X4 };
  const tilesM = Math.ceil(s.m / TM);
  const tilesN = Math.ceil(s.n / TN);
  const groups = tilesM * tilesN * batches;
  const { params, c, off } = gemmOperands(ctx, s, a, tilesM, tilesN, groups, 1, label);
  const offs = s.offsets ?? [[0, 0, 0]];
  const d4 = (v: number) => v % 4 === 0;
  // vec4 bindings where every vec4 a tile stages is 4 consecutive, 16-byte-aligned elements
  const aVec = variant === 'tiled' && s.aStrides[1] === 1 && d4(s.aStrides[0]) && d4(s.k) && offs.every((o) => d4(o[0]));
  const bVec = variant === 'tiled' && s.bStrides[1] === 1 && d4(s.bStrides[0]) && d4(s.n) && offs.every((o) => d4(o[1]));
  // every row of 4 columns a block stores (cols is 4 or 0 when N % 4 = 0) is one aligned vec4 of Y and of R
  const yVec = variant === 'tiled' && s.yStrides[1] === 1 && d4(s.yStrides[0]) && d4(s.n) && offs.every((o) => d4(o[2]));
  const sg = variant === 'tiled' ? gemmSubgroupLanes({ TM, TN, ...block }, ctx.device, ctx.info.subgroupMinSize) : 0;
  const def = gemmShader(variant, !!s.residual, { aVec, bVec, bHalf: !!s.bF16, yVec, a: sa, y: sy, r: sr }, block, sg);
  const constants = {
    HAS_C: s.c ? 1 : 0, C_BCAST: s.c?.strides[0] === 0 ? 1 : 0, BATCHED: offs.some((o) => o.some((v) => v !== 0)) ? 1 : 0,
    A_CONTIG: s.aStrides[1] === 1 ? 1 : 0, B_CONTIG: s.bStrides[1] === 1 ? 1 : 0,
    ...a.constants, ...(variant === 'tiled' ? { TM, TN } : { REG_WG: 64 }),
  };
  const pipeline = await ctx.pipeline(def, constants);
  const bindings = [params, s.a, s.b, c, off, s.y, ...(s.residual ? [s.residual] : [])];
  const workgroups = grid(variant === 'tiled' ? groups : Math.ceil(groups / 64), ctx.limits);
  return { pipeline, bindings, workgroups, label };
}

/** The params uniform, the C operand (a zero stand-in of `noCFloats` when absent) and the per-batch offset table. */
function gemmOperands(
  ctx: GpuBuildCtx,
  s: GemmSpec,
  a: ReturnType<typeof activationSpec>,
  tilesM: number,
  tilesN: number,
  groups: number,
  noCFloats: number,
  label: string,
  [subM, subN] = [1, 1],
): { params: BindingRef; c: BindingRef; off: BindingRef } {
  const offs = new Uint32Array((s.offsets?.length ?? 1) * 3);
  (s.offsets ?? [[0, 0, 0]]).forEach((o, t) => offs.set(o, t * 3));
  const params = ctx.uniform(
    GEMM_PARAMS,
    {
      m: s.m, n: s.n, k: s.k,
      a_sm: s.aStrides[0], a_sk: s.aStrides[1], b_sk: s.bStrides[0], b_sn: s.bStrides[1], y_sm: s.yStrides[0], y_sn: s.yStrides[1],
      c_sm: s.c?.strides[0] ?? 0, c_sn: s.c?.strides[1] ?? 0,
      tiles_m: tilesM, tiles_n: tilesN, groups,
      alpha: s.alpha ?? 1, beta: s.c?.beta ?? 0, ...a.params, r_n: s.residualColumns ?? 0,
      sub_m: subM, sub_n: subN,
    },
    `${label}.params`,
  );
  const c = s.c?.ref ?? ctx.constBuffer(new Float32Array(noCFloats), `${label}.noC`);
  return { params, c, off: ctx.constBuffer(offs, `${label}.offsets`) };
}

/** The vec4 register-block kernel's plan, pipelines and dispatch (without its pipeline) for a GEMM gemm4Eligible accepts. */
function gemm4Parts(ctx: GpuBuildCtx, s: GemmSpec, label: string) {
  const narrow = s.residualColumns !== undefined;
  if (narrow && (s.residualColumns! <= 0 || (s.offsets?.length ?? 1) !== 1))
    throw new GpuError(`GEMM "${label}": a narrow residual needs a positive number of columns and one batch`, 'GPU_UNSUPPORTED');
  const batches = s.offsets?.length ?? 1;
  // literal B indices need B to be exactly the k × n the kernel declares, at offset 0
  const literalB = s.bConst && s.bStrides[0] === s.n && !(s.offsets ?? [[0, 0, 0]])[0]![1];
  const p = planGemm4(!!s.residual, !s.c || s.c.strides[0] === 0, s.residualFirst, s.m, narrow, !gemm4Vec(s), s.n, batches, literalB ? s.k : 0);
  const f = firstGemm4(p);
  const a = activationSpec(s.act);
  const tilesM = Math.ceil(s.m / p.TM);
  const tilesN = Math.ceil(s.n / 4 / p.TN4);
  const groups = gemm4Grid(s.m, s.n, batches, p.TM, p.TN4);
  const { params, c, off } = gemmOperands(ctx, s, a, tilesM, tilesN, groups, Math.ceil(s.n / 4) * 4, label, [f.subM, f.subN]);
  const def = registerGemmShader(p, p.CK && s.bBake?.length === s.k * s.n ? bakeVec4(s.bBake) : undefined);
  const first = p.TM > 1 ? registerGemmShader(f.plan) : def;
  const shared = { HAS_C: 1, ...a.constants };
  const bindings = [params, s.a, s.b, c, off, s.y, ...(s.residual ? [s.residual] : [])];
  return {
    exact: [def, { HAS_C: s.c ? 1 : 0, ...a.specialized }] as const,
    first,
    shared,
    // neither C nor activation (Winograd's GEMM), the shared first-call kernel not compiled yet
    lean: !s.c && s.act.kind === 'none' && !ctx.pipelines.has(first, shared),
    d: { bindings, workgroups: grid(Math.ceil(groups / 64), ctx.limits), label },
  };
}

/** The vec4 register-block kernel (gemm_vec4_register.wgsl) for software adapters; see gemm4Eligible. */
async function gemm4Dispatch(ctx: GpuBuildCtx, s: GemmSpec, label: string): Promise<Dispatch> {
  // Time to first result: every GEMM can run the shared kernel (8 × 8 blocks, each tile's in turn; C read, a zero bias row
  // standing in when there is none; the Clip epilogue for None/Relu: activationSpec) with the loop epilogue
  // (Gemm4Plan.LOOP), so a model's and a page's GEMMs compile it once; the exact unrolled kernel swaps in after
  // the first call. A GEMM with neither C nor activation compiles its own lean kernel ~25% faster than the shared
  // one when that is not cached, and warms the shared one for later models.
  const { exact, first, shared, lean, d } = gemm4Parts(ctx, s, label);
  if (ctx.pipelines.has(...exact)) return { ...d, pipeline: await ctx.pipeline(...exact) };
  const { pipeline, upgrade } = firstThenExact(ctx, exact, [first, lean ? exact[1] : shared]);
  return { ...d, pipeline: await pipeline, ...(upgrade ? { upgrade } : {}), ...(lean ? { warm: () => ctx.pipeline(first, shared) } : {}) };
}

/**
 * A register-variant GEMM that runs only once compiled in the background (GpuNodeProgram.later): its exact kernel.
 * One with neither C nor activation (Winograd's) warms the shared first-call kernel it never runs, for later models.
 */
export function gemmLater(ctx: GpuBuildCtx, s: GemmSpec, label: string): LaterDispatch {
  if (!gemm4Eligible(s)) throw new GpuError(`GEMM "${label}": a later GEMM needs the vec4 register kernel (contiguous rows of B, C and Y)`, 'GPU_UNSUPPORTED');
  const { exact, first, shared, lean, d } = gemm4Parts(ctx, s, label);
  return { ...d, request: exact, ...(lean ? { warm: () => ctx.pipeline(first, shared) } : {}) };
}
