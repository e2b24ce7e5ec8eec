import conv2dWgsl from '../../../shaders/conv2d.wgsl?raw';
import conv2dRegisterWgsl from '../../../shaders/conv2d_register.wgsl?raw';
import { GpuError } from '../../errors.js';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { firstThenExact, grid, ioStorage, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { storageSuffix, type ElemStorage } from '../elem-storage.js';
import { shader, type ShaderDef } from '../shader.js';
import { pick } from './pick.js';
import { activationSpec, withActivation } from './epilogue.js';
import type { KernelVariant } from '../variant.js';
import { bakedArray, bakeVec4, type Baked } from './baked.js';
import { BLOCK_4X4, GEMM_BLOCKS, LITERAL_WEIGHTS_BUDGET, gemmTile, gemmTraffic, pickTile, smallerTile, tileFits, withBlock, type GemmBlock, type GemmTile, type TileCandidate } from './gemm.js';
import { withOutputType } from './output.js';
import { operandLoaders } from './elements.js';

export const CONV2D_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['oh', 'u32'], ['ow', 'u32'], ['cg', 'u32'], ['coutg', 'u32'], ['cout', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['m', 'u32'], ['k', 'u32'], ['tiles_m', 'u32'], ['tiles_n', 'u32'], ['groups', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
  // the staged tile's grid of TY × TX pixel tiles per image (conv2d.wgsl staged())
  ['tiles_x', 'u32'], ['tiles_y', 'u32'],
  // the register kernel's channel blocks per tile (conv2d_register.wgsl)
  ['sub_n', 'u32'],
] as const);

const convDefs = new Map<string, ShaderDef>();

/** Storage of the implicit GEMM's activations x, y and res (src/gpu/act-storage.ts; f16 flavours tiled only). */
export interface ConvStorage {
  x?: ElemStorage;
  y?: ElemStorage;
  r?: ElemStorage;
}

/**
 * The implicit-GEMM module for an entry point; x4: the input bound as vec4 (cg % 4 = 0), w4: the weights and the
 * output (and residual) bound as vec4 (coutg % 4 = 0); staged: the 2-D tile with its input patch in workgroup
 * memory (staged_main). vec4 bindings and the staged tile are for the tiled variant only.
 */
export function conv2dShader(
  variant: KernelVariant, residual: boolean, x4 = false, w4 = false, block: GemmBlock = BLOCK_4X4, staged = false, st: ConvStorage = {},
): ShaderDef {
  const { x = 'f32', y = 'f32', r = 'f32' } = st;
  const entry = variant === 'tiled' ? (staged ? (residual ? 'staged_res' : 'staged_main') : residual ? 'main_res' : 'main') : residual ? 'reg_res' : 'reg_main';
  const blocked = withBlock(withOutputType(withActivation(conv2dWgsl), w4, y, residual ? r : 'f32'), block);
  const io = storageSuffix('x', x) + storageSuffix('y', y) + (residual ? storageSuffix('r', r) : '');
  const name = `conv2d${variant === 'tiled' ? '' : '.register'}${staged ? '.staged' : ''}${residual ? '.res' : ''}${x4 ? '.x4' : ''}${w4 ? '.w4' : ''}${io}${blocked.suffix}`;
  let def = convDefs.get(name);
  if (!def) {
    const source = [operandLoaders('x', 'x', x4, x), operandLoaders('w', 'wt', w4), blocked.source].join('\n');
    convDefs.set(name, (def = shader(name, source, CONV2D_PARAMS, entry)));
  }
  return def;
}

export interface Conv2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  cout: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  group: number;
  strides: readonly [number, number];
  dilations: readonly [number, number];
  pads: readonly [number, number, number, number];
}

/** conv2d.wgsl's staged tile: TY × TX output pixels (TM = TY·TX), its PH × PW input patch, TK channels per step. */
export interface ConvStagedTile extends GemmTile {
  TY: number;
  TX: number;
  PH: number;
  PW: number;
  TK: number;
}

/** The tiled variant's plan: the staged 2-D tile, or the gathered one (gemm_tile.wgsl, A gathered per tap). */
export type ConvTile = ({ staged: true } & ConvStagedTile) | ({ staged: false } & GemmTile);

/** Pixels of [start, start + len) inside [0, size), summed over tiles start = t·step - pad. */
function inside(tiles: number, step: number, pad: number, len: number, size: number): number {
  let s = 0;
  for (let t = 0; t < tiles; t++) s += Math.max(0, Math.min(size, t * step - pad + len) - Math.max(0, t * step - pad));
  return s;
}

/**
 * Floats the staged tile loads and stores (the counted traffic of bench/traffic.ts): per N tile each pixel tile's
 * patch inside the image, all cg channels; per pixel tile every weight and TN bias values per N tile; the output
 * (and residual) once.
 */
export function convStagedTraffic(g: Conv2dGeometry, t: ConvStagedTile, residual = false): number {
  const coutg = g.cout / g.group;
  const [tx, ty] = [Math.ceil(g.ow / t.TX), Math.ceil(g.oh / t.TY)];
  const tilesN = Math.ceil(coutg / t.TN);
  const patch = inside(ty, t.TY * g.strides[0], g.pads[0], t.PH, g.h) * inside(tx, t.TX * g.strides[1], g.pads[1], t.PW, g.w);
  const tilesS = tx * ty * g.n;
  return tilesN * g.n * patch * g.c + tilesS * g.group * (g.kh * g.kw * g.c / g.group * coutg + tilesN * t.TN) + g.n * g.oh * g.ow * g.cout * (residual ? 2 : 1);
}

/** The staged tile of TY × TX pixels, TN columns, block b and TK channels per step, with its patch for g. */
export function stagedTile(g: Conv2dGeometry, TY: number, TX: number, TN: number, b: GemmBlock, TK: number): { staged: true } & ConvStagedTile {
  const PH = (TY - 1) * g.strides[0] + (g.kh - 1) * g.dilations[0] + 1;
  const PW = (TX - 1) * g.strides[1] + (g.kw - 1) * g.dilations[1] + 1;
  return { staged: true, TM: TY * TX, TN, ...b, TY, TX, PH, PW, TK };
}

/**
 * The tiled variant's plan by pickTile (least counted traffic, the minimum-workgroups rule) over the staged tiles
 * and the gathered ones (gemmTile's candidates, costed by gemmTraffic per group) the device runs. A staged tile's
 * TK is the one of 16, 8, 4 that pads cg the least (then the largest: fewer barriers) and fits.
 */
export function planConv2d(g: Conv2dGeometry, limits: Readonly<Record<string, number>>): ConvTile {
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * cg;
  const cands: TileCandidate<ConvTile>[] = [];
  const gathered = gemmTile(m, coutg, k, limits, g.group);
  cands.push({ t: { staged: false, ...gathered }, cost: g.group * gemmTraffic(m, coutg, k, gathered), workgroups: Math.ceil(m / gathered.TM) * Math.ceil(coutg / gathered.TN) * g.group });
  const tks = [16, 8, 4].sort((a, b) => Math.ceil(cg / a) * a - Math.ceil(cg / b) * b || b - a);
  for (const TX of [4, 8, 16, 32])
    for (const TY of [1, 2, 4, 8, 16]) {
      const TM = TX * TY;
      if (TM < 16 || TM > 256 || (TX > 4 && TX / 2 >= g.ow) || (TY > 1 && TY / 2 >= g.oh)) continue;
      for (const TN of [16, 32, 64, 128]) {
        if (TN > 16 && TN / 2 >= coutg) continue;
        for (const b of GEMM_BLOCKS) {
          if (TX % b.RM !== 0) continue;
          const TK = tks.find((tk) => {
            const t = stagedTile(g, TY, TX, TN, b, tk);
            return tileFits(TM, TN, b, t.PH * t.PW * tk + tk * TN, limits);
          });
          if (TK === undefined) continue;
          const t = stagedTile(g, TY, TX, TN, b, TK);
          const workgroups = Math.ceil(g.ow / TX) * Math.ceil(g.oh / TY) * g.n * Math.ceil(coutg / TN) * g.group;
          cands.push({ t, cost: convStagedTraffic(g, t), workgroups });
        }
      }
    }
  return pickTile(cands, smallerTile)!;
}

/** ONNX weight [cout, cg, kh, kw] -> [group, (ky·kw + kx)·cg + ci, coutg]. */
export function packConv2dWeights(w: Float32Array, g: Conv2dGeometry): Float32Array {
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const K = g.kh * g.kw * cg;
  const out = new Float32Array(g.group * K * coutg);
  for (let o = 0; o < g.cout; o++) {
    const grp = Math.floor(o / coutg);
    const n = o % coutg;
    for (let ci = 0; ci < cg; ci++)
      for (let t = 0; t < g.kh * g.kw; t++) out[(grp * K + t * cg + ci) * coutg + n] = w[(o * cg + ci) * g.kh * g.kw + t]!;
  }
  return out;
}

/** The buffers of a conv dispatch; `residualFirst`: the residual is added before the activation (register kernels only). */
export interface ConvBuffers {
  x: BindingRef;
  w: BindingRef;
  /** w's values (packConv2dWeights), for a literal-weights register kernel to bake in (kernels/baked.ts) */
  wValues?: Float32Array;
  b: BindingRef;
  y: BindingRef;
  residual?: BindingRef;
  residualFirst?: boolean;
}

/** Register block of the vec4 register kernel (conv2d_register.wgsl): TM output pixels × TN4 vec4s of output channels. */
export interface Conv2dRegisterPlan {
  TM: number;
  TN4: number;
  RES: boolean;
  /** input channels per group when the channel loop is unrolled (at most UNROLL_CG), else 0 */
  CG: number;
  /** residual first: act(conv + bias + residual), a fused post-residual Relu */
  RF: boolean;
  /** the pixels stored by a loop, not unrolled: the first call's kernel, compiling faster (see Gemm4Plan.LOOP) */
  LOOP: boolean;
  /**
   * The kernel size when the weights and bias are read with literal indices (planConv2dRegister's literal): bound
   * as fixed-size arrays, every tap and channel unrolled, TN4 = coutg/4 (one group, CG > 0); 0 × 0 otherwise.
   */
  CW: { KH: number; KW: number };
  /**
   * CW where each block's TM pixels lie in one output row (ow % TM == 0) and the kernel is not dilated along x: the
   * x stride, a literal; the block then loads each input column of a kernel row once for all its pixels and taps
   * ((TM - 1)·ROW + KW loads, not TM·KW); 0 otherwise
   */
  ROW: number;
}

/** Channel loops this short are unrolled (registerConv2dShader). */
const UNROLL_CG = 4;

/**
 * One block for every shape (clamped pixels / channel groups, see registerConv2dShader): one pipeline per kernel
 * size (and per cg ≤ 4). With the channel loop unrolled (a stem conv on RGB) each pixel's input float feeds up to
 * 4 vec4s of output channels (TN4, given coutg: the one of 4, 3, 2 that pads coutg/4 the least), where 2 left a
 * load per 2 vec4 FMAs: SwiftShader CPU time of the MediaPipe and MobileNetV2 stems 0.75-0.85×, compiling in
 * about the same time (TM = 16 gained ~5% more for 3-5× the compile time).
 * literal (a stem of one group whose weights may be indexed with literals, within LITERAL_WEIGHTS_BUDGET): every
 * tap unrolled and one invocation covering all output channels (CW), so each weight is one load per lane group
 * instead of a gather per lane: the face detectors' 5 × 5 stems 0.59-0.85× (Chromium, timestamp queries, both load
 * orders), compiling in seconds after the first result (the first call runs the usual block's loop kernel over the
 * all-channel tile, CONV2D_PARAMS.sub_n blocks).
 */
export function planConv2dRegister(
  residual: boolean, cg: number, residualFirst = false, coutg = 0, literal?: { kh: number; kw: number; sx?: number; dx?: number; ow?: number },
): Conv2dRegisterPlan {
  const CG = cg <= UNROLL_CG ? cg : 0;
  const n4 = Math.ceil(coutg / 4);
  const flags = { TM: 8, RES: residual, CG, RF: residual && residualFirst, LOOP: false, CW: { KH: 0, KW: 0 }, ROW: 0 };
  if (CG && literal && coutg % 4 === 0 && literal.kh * literal.kw * CG * (8 + n4 + 8 * n4) <= LITERAL_WEIGHTS_BUDGET) {
    const row = literal.sx && literal.dx === 1 && literal.ow && literal.ow % flags.TM === 0 ? literal.sx : 0;
    return { ...flags, TN4: n4, CW: { KH: literal.kh, KW: literal.kw }, ROW: row };
  }
  const TN4 = CG && n4 > 2 ? [4, 3].reduce((a, b) => (Math.ceil(n4 / b) * b < Math.ceil(n4 / a) * a ? b : a)) : 2;
  return { ...flags, TN4 };
}

const registerSources = new Map<string, ShaderDef>();

/**
 * Generates (once per plan) the unrolled kernel from shaders/conv2d_register.wgsl; a literal-weights kernel (CW) given
 * `baked` reads its weights from them (bakedArray), a kernel of its own (not kept here).
 */
export function registerConv2dShader(p: Conv2dRegisterPlan, baked?: Baked): ShaderDef {
  const cw = p.CW.KH > 0;
  const bk = cw && baked ? bakedArray(baked, 'wt') : undefined;
  const name = `conv2d.register4.${p.TM}x${p.TN4 * 4}${p.RES ? (p.RF ? '.resfirst' : '.res') : ''}${p.CG ? `.cg${p.CG}` : ''}${p.LOOP ? '.loop' : ''}${cw ? `.cw${p.CW.KH}x${p.CW.KW}` : ''}${p.ROW ? `.row${p.ROW}` : ''}${bk?.suffix ?? ''}`;
  let def = registerSources.get(name);
  if (def) return def;
  const wt = bk?.array ?? 'wt';
  const { TM, TN4, RES } = p;
  const I = Array.from({ length: TM }, (_, i) => i);
  const J = Array.from({ length: TN4 }, (_, j) => j);
  const setup = [
    ...(p.ROW
      ? [
          // one output row: no pixel past M (m % TM == 0), one input row base per kernel row
          ...I.map((i) => `let gm${i} = m0 + ${i}u;`),
          `let t0 = m0 / params.ow;`,
          `let by0 = i32((t0 % params.oh) * params.stride_y) - params.pad_t;`,
          `let bx0 = i32((m0 % params.ow) * ${p.ROW}u) - params.pad_l;`,
          `let pb0 = (t0 / params.oh) * params.h;`,
        ]
      : I.flatMap((i) => [
          `let gm${i} = min(m0 + ${i}u, lm);`,
          `let ox${i} = gm${i} % params.ow;`,
          `let t${i} = gm${i} / params.ow;`,
          `let by${i} = i32((t${i} % params.oh) * params.stride_y) - params.pad_t;`,
          `let bx${i} = i32(ox${i} * params.stride_x) - params.pad_l;`,
          `let pb${i} = (t${i} / params.oh) * params.h;`,
        ])),
    ...J.map((j) => (cw ? `let bc${j} = ${j}u;` : `let bc${j} = min(n40 + ${j}u, ln4);`)),
    ...I.flatMap((i) => J.map((j) => `var s${i}_${j} = vec4<f32>(0.0);`)),
  ];
  const tap = I.flatMap((i) => [
    `let iy${i} = by${i} + dy;`,
    `let ix${i} = bx${i} + dx;`,
    `let ok${i} = (iy${i} >= 0) & (iy${i} < H) & (ix${i} >= 0) & (ix${i} < W);`,
    `let xa${i} = select(cbase, ((pb${i} + u32(iy${i})) * params.w + u32(ix${i})) * params.c + cbase, ok${i});`,
  ]);
  // wr: the weight row, a WGSL expression or (CW) the literal row number
  const body = (ci: string, wr: string | number) => [
    ...J.map((j) => `let w${j} = ${wt}[${typeof wr === 'number' ? `${wr * p.TN4 + j}u` : `${wr} + bc${j}`}];`),
    ...I.flatMap((i) => [`let xv${i} = select(0.0, x[xa${i} + ${ci}], ok${i});`, ...J.map((j) => `s${i}_${j} += xv${i} * w${j};`)]),
  ];
  const channels = (tapRow?: number) =>
    p.CG
      ? Array.from({ length: p.CG }, (_, ci) => `{
        ${body(`${ci}u`, tapRow === undefined ? (ci ? `wr + ${ci}u * coutg4` : 'wr') : tapRow * p.CG + ci).join('\n        ')}
      }`)
      : [`for (var ci = 0u; ci < params.cg; ci++) {
        ${body('ci', 'wr + ci * coutg4').join('\n        ')}
      }`];
  // ROW: per kernel row, the (TM - 1)·ROW + KW input columns the block's pixels and taps read, each channel loaded
  // once; the sums then run tap by tap, channel by channel, as the first-call kernel's do (the same float result)
  const cols = Array.from({ length: (TM - 1) * p.ROW + p.CW.KW }, (_, c) => c);
  const C = Array.from({ length: p.CG }, (_, ci) => ci);
  const rowTaps = () =>
    Array.from({ length: p.CW.KH }, (_, ky) => `{
      let iy = by0 + i32(${ky}u * params.dil_y);
      let oky = (iy >= 0) & (iy < H);
      let rb = (pb0 + u32(select(0, iy, oky))) * params.w;
      ${cols.flatMap((c) => [
        `let ix${c} = bx0 + ${c};`,
        `let ok${c} = oky & (ix${c} >= 0) & (ix${c} < W);`,
        `let xa${c} = select(cbase, (rb + u32(ix${c})) * params.c + cbase, ok${c});`,
        ...C.map((ci) => `let xv${c}_${ci} = select(0.0, x[xa${c} + ${ci}u], ok${c});`),
      ]).join('\n      ')}
      ${Array.from({ length: p.CW.KW }, (_, kx) => C.flatMap((ci) => [
        ...J.map((j) => `let w${kx}_${ci}_${j} = ${wt}[${((ky * p.CW.KW + kx) * p.CG + ci) * TN4 + j}u];`),
        ...I.flatMap((i) => J.map((j) => `s${i}_${j} += xv${i * p.ROW + kx}_${ci} * w${kx}_${ci}_${j};`)),
      ]).join('\n      ')).join('\n      ')}
    }`);
  const taps = p.ROW
    ? rowTaps()
    : cw
    ? Array.from({ length: p.CW.KH * p.CW.KW }, (_, t) => `{
      let dy = i32(${Math.floor(t / p.CW.KW)}u * params.dil_y);
      let dx = i32(${t % p.CW.KW}u * params.dil_x);
      ${tap.join('\n      ')}
      ${channels(t).join('\n      ')}
    }`)
    : // one loop over the taps, not one per kernel axis: the conv3x3 first-call kernel compiles in 170 ms instead of 195
      [`let wg = grp * params.k * coutg4;
  for (var kt = 0u; kt < KH * KW; kt++) {
    let dy = i32((kt / KW) * params.dil_y);
    let dx = i32((kt % KW) * params.dil_x);
    ${tap.join('\n    ')}
    let wr = wg + kt * params.cg * coutg4;
    ${channels().join('\n    ')}
  }`];
  const weightBindings = cw
    ? `@group(0) @binding(2) var<storage, read> wt: array<vec4<f32>, ${p.CW.KH * p.CW.KW * p.CG * p.TN4}>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>, ${p.TN4}>;`
    : `@group(0) @binding(2) var<storage, read> wt: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;`;
  // Pixels past M and channel groups past coutg/4 were computed from the clamped (last) pixel / group, so they
  // hold exactly its values: storing them there again needs no branch. LOOP: pixel i's accumulators picked by
  // selects.
  const put = (acc: (j: number) => string, yr: string) =>
    J.map((j) => {
      const r = `res[${yr} + bc${j}]`;
      const v = `${acc(j)} + bias${j}`;
      return `y[${yr} + bc${j}] = ${!RES ? `act4(${v})` : p.RF ? `act4(${v} + ${r})` : `act4(${v}) + ${r}`};`;
    });
  const store = [
    ...J.map((j) => (cw ? `let bias${j} = b[${j}u];` : `let bias${j} = b[ybase + bc${j}];`)),
    ...(p.LOOP
      ? [
          `for (var i = 0u; i < TM; i++) {\n    let yr = min(m0 + i, lm) * cout4 + ybase;\n    ${put((j) => pick('i', I.map((i) => `s${i}_${j}`)), 'yr').join('\n    ')}\n  }`,
        ]
      : I.flatMap((i) => [`let yr${i} = gm${i} * cout4 + ybase;`, ...put((j) => `s${i}_${j}`, `yr${i}`)])),
  ];
  const source = [`const TM: u32 = ${TM}u;`, `const TN4: u32 = ${TN4}u;`, ...(bk ? [bk.decl] : []), withActivation(conv2dRegisterWgsl)]
    .join('\n')
    .replace('${RES_BINDING}', RES ? '@group(0) @binding(5) var<storage, read> res: array<vec4<f32>>;' : '')
    .replace('${SETUP}', setup.join('\n  '))
    .replace('${WEIGHT_BINDINGS}', weightBindings)
    .replace('${TAPS}', (bk?.keep ?? '') + taps.join('\n  '))
    .replace('${BLOCKS}', p.LOOP ? 'for (var nb = 0u; nb < params.sub_n; nb++) {\n  let n40 = (tile.x * params.sub_n + nb) * TN4;' : 'let n40 = tile.x * TN4;')
    .replace('${BLOCKS_END}', p.LOOP ? '}' : '')
    .replace('${STORE}', store.join('\n  '));
  def = shader(name, source, CONV2D_PARAMS);
  if (!bk) registerSources.set(name, def);
  return def;
}

/** The vec4 register kernel needs whole vec4s of output channels per group. */
export function conv2dRegister4Eligible(g: Conv2dGeometry): boolean {
  return (g.cout / g.group) % 4 === 0;
}

export async function conv2dRegister4Dispatch(
  ctx: GpuBuildCtx,
  g: Conv2dGeometry,
  act: FusedActivation,
  bufs: ConvBuffers,
  label: string,
  plan?: Conv2dRegisterPlan,
): Promise<Dispatch> {
  const a = activationSpec(act);
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * cg;
  const literal = g.group === 1 ? { kh: g.kh, kw: g.kw, sx: g.strides[1], dx: g.dilations[1], ow: g.ow } : undefined;
  const p = plan ?? planConv2dRegister(!!bufs.residual, cg, bufs.residualFirst, coutg, literal);
  // the first call's kernel: the loop form of the usual block, over the literal kernel's all-channel tile in sub_n blocks
  const first = { ...planConv2dRegister(!!bufs.residual, cg, bufs.residualFirst, coutg), LOOP: true };
  const subN = p.CW.KH ? Math.ceil(coutg / 4 / first.TN4) : 1;
  const tilesM = Math.ceil(m / p.TM);
  const tilesN = Math.ceil(coutg / 4 / p.TN4);
  const groups = tilesM * tilesN * g.group;
  const params = ctx.uniform(
    CONV2D_PARAMS,
    {
      h: g.h, w: g.w, c: g.c, oh: g.oh, ow: g.ow, cg, coutg, cout: g.cout,
      stride_y: g.strides[0], stride_x: g.strides[1], dil_y: g.dilations[0], dil_x: g.dilations[1], pad_t: g.pads[0], pad_l: g.pads[1],
      m, k, tiles_m: tilesM, tiles_n: tilesN, groups, ...a.params, tiles_x: 0, tiles_y: 0, sub_n: subN,
    },
    `${label}.params`,
  );
  const constants = { KH: g.kh, KW: g.kw, ...a.constants };
  const def = registerConv2dShader(p, p.CW.KH && bufs.wValues ? bakeVec4(bufs.wValues) : undefined);
  const bindings = [params, bufs.x, bufs.w, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])];
  const d = { bindings, workgroups: grid(Math.ceil(groups / 64), ctx.limits), label };
  // a given plan runs as it is; else the first call runs the loop-epilogue kernel
  const { pipeline, upgrade } = firstThenExact(ctx, [def, constants], [plan ? def : registerConv2dShader(first), constants]);
  return { ...d, pipeline: await pipeline, ...(upgrade ? { upgrade } : {}) };
}

export async function conv2dDispatch(
  ctx: GpuBuildCtx,
  g: Conv2dGeometry,
  act: FusedActivation,
  bufs: ConvBuffers,
  label: string,
  variant: KernelVariant,
  /** the tiled variant's plan instead of planConv2d's (tests run each kind) */
  tile?: ConvTile,
): Promise<Dispatch> {
  const st = ioStorage(ctx, variant, `Conv "${label}"`, bufs.x, bufs.y, bufs.residual);
  if (variant === 'register' && conv2dRegister4Eligible(g)) return conv2dRegister4Dispatch(ctx, g, act, bufs, label);
  if (bufs.residualFirst) throw new GpuError(`Conv "${label}": an activation after the residual needs the vec4 register kernel (Cout per group % 4 == 0, software adapter)`, 'GPU_UNSUPPORTED');
  const a = activationSpec(act);
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * cg;
  const plan: ConvTile = variant === 'tiled' ? (tile ?? planConv2d(g, ctx.limits)) : { staged: false, TM: 4, TN: 4, ...BLOCK_4X4 };
  const { TM, TN, RM, RN4 } = plan;
  const tilesX = plan.staged ? Math.ceil(g.ow / plan.TX) : 1;
  const tilesY = plan.staged ? Math.ceil(g.oh / plan.TY) : 1;
  const tilesM = plan.staged ? tilesX * tilesY * g.n : Math.ceil(m / TM);
  const tilesN = Math.ceil(coutg / TN);
  const groups = tilesM * tilesN * g.group;
  const params = ctx.uniform(
    CONV2D_PARAMS,
    {
      h: g.h, w: g.w, c: g.c, oh: g.oh, ow: g.ow, cg, coutg, cout: g.cout,
      stride_y: g.strides[0], stride_x: g.strides[1], dil_y: g.dilations[0], dil_x: g.dilations[1], pad_t: g.pads[0], pad_l: g.pads[1],
      m, k, tiles_m: tilesM, tiles_n: tilesN, groups, ...a.params, tiles_x: tilesX, tiles_y: tilesY, sub_n: 1,
    },
    `${label}.params`,
  );
  const x4 = variant === 'tiled' && cg % 4 === 0;
  const w4 = variant === 'tiled' && coutg % 4 === 0;
  const def = conv2dShader(variant, !!bufs.residual, x4, w4, { RM, RN4 }, plan.staged, st);
  const tiling: Record<string, number> = plan.staged ? { TM, TN, TY: plan.TY, TX: plan.TX, PH: plan.PH, PW: plan.PW, TK: plan.TK } : variant === 'tiled' ? { TM, TN } : { REG_WG: 64 };
  const constants = { KH: g.kh, KW: g.kw, X4: x4 ? 1 : 0, W4: w4 ? 1 : 0, ...a.constants, ...tiling };
  const pipeline = await ctx.pipeline(def, constants);
  const bindings = [params, bufs.x, bufs.w, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])];
  return { pipeline, bindings, workgroups: grid(variant === 'tiled' ? groups : Math.ceil(groups / 64), ctx.limits), label };
}
