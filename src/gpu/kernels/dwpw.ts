import dwpwWgsl from '../../../shaders/dwpw.wgsl?raw';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { grid, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { shader } from '../shader.js';
import type { DwGeometry } from './depthwise.js';
import { activationSpec, withActivation } from './epilogue.js';
import type { KernelVariant } from '../variant.js';
import { gemmTile } from './gemm.js';

export const DWPW_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['mult', 'u32'], ['oh', 'u32'], ['ow', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['m', 'u32'], ['k', 'u32'], ['k4', 'u32'], ['n', 'u32'], ['n4', 'u32'], ['tiles_m', 'u32'], ['tiles_n', 'u32'], ['groups', 'u32'],
  ['act_a', 'f32'], ['act_b', 'f32'], ['dw_act_a', 'f32'], ['dw_act_b', 'f32'],
] as const);

const SOURCE = withActivation(dwpwWgsl);
export const DWPW_SHADERS = {
  tiled: shader('dwpw', SOURCE, DWPW_PARAMS, 'main'),
  tiledRes: shader('dwpw.res', SOURCE, DWPW_PARAMS, 'main_res'),
} as const;

/** A depthwise conv (geometry g, its output channels = g.cout) followed by a 1x1 conv to `n` channels. */
export interface DwPwGeometry {
  dw: DwGeometry;
  n: number;
}

/**
 * How many times the fused kernel computes each depthwise output: once per TN-wide tile of output channels.
 * The unfused pair computes it once, but writes and re-reads it.
 */
export function dwRecompute(n: number, limits: Readonly<Record<string, number>>): number {
  return Math.ceil(n / gemmTile(n, limits).TN);
}

/**
 * Whether the fused kernel beats the two dispatches: it saves writing and re-reading the depthwise output
 * (2·K floats per pixel) and costs (recompute − 1) more depthwise passes. On a GPU the depthwise pass is
 * bandwidth-bound and a recompute mostly hits the cache, so up to 2 passes win. On a software adapter every
 * load costs the same wherever it hits, and a register-variant fused kernel (scalar gathers, no column reuse)
 * measured 2-25× slower than the register depthwise + pointwise pair on MobileNetV2's pairs (SwiftShader), so there
 * the pair runs and the fused kernel has no register variant.
 */
export function dwPwWins(g: DwPwGeometry, variant: KernelVariant, limits: Readonly<Record<string, number>>): boolean {
  return variant === 'tiled' && dwRecompute(g.n, limits) <= 2;
}

/** ONNX pointwise weight [n, K, 1, 1] -> [4·k4][n4] vec4 rows (k and n zero-padded to 4). */
export function packPointwiseVec4(w: Float32Array, n: number, k: number): Float32Array {
  const n4 = Math.ceil(n / 4) * 4;
  const out = new Float32Array(Math.ceil(k / 4) * 4 * n4);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) out[i * n4 + o] = w[o * k + i]!;
  return out;
}

export interface DwPwBuffers {
  x: BindingRef;
  /** packDepthwiseWeights */
  wd: BindingRef;
  /** padVector to 4·k4 */
  bd: BindingRef;
  /** packPointwiseVec4 */
  wp: BindingRef;
  /** padVector to 4·n4 */
  bp: BindingRef;
  y: BindingRef;
  residual?: BindingRef;
}

export async function dwpwDispatch(
  ctx: GpuBuildCtx,
  g: DwPwGeometry,
  acts: { dw: FusedActivation; pw: FusedActivation },
  bufs: DwPwBuffers,
  label: string,
): Promise<Dispatch> {
  const d = g.dw;
  const pa = activationSpec(acts.pw);
  const da = activationSpec(acts.dw);
  const m = d.n * d.oh * d.ow;
  const n4 = Math.ceil(g.n / 4);
  const { TM, TN } = gemmTile(g.n, ctx.limits);
  const tilesM = Math.ceil(m / TM);
  const tilesN = Math.ceil(g.n / TN);
  const groups = tilesM * tilesN;
  const params = ctx.uniform(
    DWPW_PARAMS,
    {
      h: d.h, w: d.w, c: d.c, mult: d.cout / d.c, oh: d.oh, ow: d.ow,
      stride_y: d.strides[0], stride_x: d.strides[1], dil_y: d.dilations[0], dil_x: d.dilations[1], pad_t: d.pads[0], pad_l: d.pads[1],
      m, k: d.cout, k4: Math.ceil(d.cout / 4), n: g.n, n4, tiles_m: tilesM, tiles_n: tilesN, groups,
      ...pa.params, dw_act_a: da.params.act_a, dw_act_b: da.params.act_b,
    },
    `${label}.params`,
  );
  const def = bufs.residual ? DWPW_SHADERS.tiledRes : DWPW_SHADERS.tiled;
  const pipeline = await ctx.pipeline(def, { KH: d.kh, KW: d.kw, ...pa.constants, ACT_DW: da.constants.ACT, TM, TN });
  const base = [params, bufs.x, bufs.wd, bufs.bd, bufs.wp, bufs.bp, bufs.y];
  return { pipeline, bindings: bufs.residual ? [...base, bufs.residual] : base, workgroups: grid(groups, ctx.limits), label };
}
