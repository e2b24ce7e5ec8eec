import conv2dWgsl from '../../../shaders/conv2d.wgsl?raw';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { grid, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { shader } from '../shader.js';
import { activationSpec, withActivation } from './epilogue.js';
import { gemmTile, type GemmVariant } from './gemm.js';

export const CONV2D_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['oh', 'u32'], ['ow', 'u32'], ['cg', 'u32'], ['coutg', 'u32'], ['cout', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['m', 'u32'], ['k', 'u32'], ['tiles_m', 'u32'], ['tiles_n', 'u32'], ['groups', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);

const SOURCE = withActivation(conv2dWgsl);
export const CONV2D_SHADERS = {
  tiled: shader('conv2d', SOURCE, CONV2D_PARAMS, 'main'),
  tiledRes: shader('conv2d.res', SOURCE, CONV2D_PARAMS, 'main_res'),
  direct: shader('conv2d.direct', SOURCE, CONV2D_PARAMS, 'direct_main'),
  directRes: shader('conv2d.direct_res', SOURCE, CONV2D_PARAMS, 'direct_res'),
} as const;

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

export async function conv2dDispatch(
  ctx: GpuBuildCtx,
  g: Conv2dGeometry,
  act: FusedActivation,
  bufs: { x: BindingRef; w: BindingRef; b: BindingRef; y: BindingRef; residual?: BindingRef },
  label: string,
  variant: GemmVariant,
): Promise<Dispatch> {
  const a = activationSpec(act);
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * cg;
  const { TM, TN } = variant === 'tiled' ? gemmTile(coutg, ctx.limits) : { TM: 4, TN: 4 };
  const tilesM = Math.ceil(m / TM);
  const tilesN = Math.ceil(coutg / TN);
  const groups = tilesM * tilesN * g.group;
  const params = ctx.uniform(
    CONV2D_PARAMS,
    {
      h: g.h, w: g.w, c: g.c, oh: g.oh, ow: g.ow, cg, coutg, cout: g.cout,
      stride_y: g.strides[0], stride_x: g.strides[1], dil_y: g.dilations[0], dil_x: g.dilations[1], pad_t: g.pads[0], pad_l: g.pads[1],
      m, k, tiles_m: tilesM, tiles_n: tilesN, groups, ...a.params,
    },
    `${label}.params`,
  );
  const def =
    variant === 'tiled' ? (bufs.residual ? CONV2D_SHADERS.tiledRes : CONV2D_SHADERS.tiled) : bufs.residual ? CONV2D_SHADERS.directRes : CONV2D_SHADERS.direct;
  const constants = { KH: g.kh, KW: g.kw, ...a.constants, ...(variant === 'tiled' ? { TM, TN } : { DIRECT_WG: 64 }) };
  const pipeline = await ctx.pipeline(def, constants);
  const bindings = [params, bufs.x, bufs.w, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])];
  return { pipeline, bindings, workgroups: grid(variant === 'tiled' ? groups : Math.ceil(groups / 64), ctx.limits), label };
}
