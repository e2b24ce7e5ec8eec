// The one-output-per-invocation baselines bench/kernels.ts times the engine's kernels against (not shipped).
import naiveDepthwiseWgsl from './shaders/naive_depthwise.wgsl?raw';
import naivePointwiseWgsl from './shaders/naive_pointwise.wgsl?raw';
import type { FusedActivation } from '../src/ops/activation.js';
import type { DwBuffers, DwGeometry } from '../src/gpu/kernels/depthwise.js';
import { activationSpec, withActivation } from '../src/gpu/kernels/epilogue.js';
import { defineParams } from '../src/gpu/params.js';
import { grid, type BindingRef, type Dispatch, type GpuBuildCtx } from '../src/gpu/program.js';
import { shader } from '../src/gpu/shader.js';

const NAIVE_PW_PARAMS = defineParams([['cin', 'u32'], ['cout', 'u32'], ['total', 'u32'], ['act_a', 'f32'], ['act_b', 'f32']] as const);
const NAIVE_PW_SHADER = shader('naive_pointwise', withActivation(naivePointwiseWgsl), NAIVE_PW_PARAMS);

const NAIVE_DW_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['cout', 'u32'], ['mult', 'u32'], ['oh', 'u32'], ['ow', 'u32'], ['kh', 'u32'], ['kw', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['total', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);
const NAIVE_DW_SHADER = shader('naive_depthwise', withActivation(naiveDepthwiseWgsl), NAIVE_DW_PARAMS);
const WG = 64;

/** x [P, cin], w [cin, cout], b [cout], y [P, cout]. */
export async function naivePointwiseDispatch(
  ctx: GpuBuildCtx,
  pixels: number,
  cin: number,
  cout: number,
  act: FusedActivation,
  bufs: { x: BindingRef; w: BindingRef; b: BindingRef; y: BindingRef },
  label: string,
): Promise<Dispatch> {
  const a = activationSpec(act);
  const total = pixels * cout;
  const params = ctx.uniform(NAIVE_PW_PARAMS, { cin, cout, total, ...a.params }, `${label}.params`);
  const pipeline = await ctx.pipeline(NAIVE_PW_SHADER, { WG, ...a.constants });
  return { pipeline, bindings: [params, bufs.x, bufs.w, bufs.b, bufs.y], workgroups: grid(Math.ceil(total / WG), ctx.limits), label };
}

/** w is [kh·kw, cout] unpadded, b [cout]. */
export async function naiveDepthwiseDispatch(ctx: GpuBuildCtx, g: DwGeometry, act: FusedActivation, bufs: DwBuffers, label: string): Promise<Dispatch> {
  const a = activationSpec(act);
  const total = g.n * g.oh * g.ow * g.cout;
  const params = ctx.uniform(
    NAIVE_DW_PARAMS,
    {
      h: g.h, w: g.w, c: g.c, cout: g.cout, mult: g.cout / g.c, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw,
      stride_y: g.strides[0], stride_x: g.strides[1], dil_y: g.dilations[0], dil_x: g.dilations[1], pad_t: g.pads[0], pad_l: g.pads[1],
      total, ...a.params,
    },
    `${label}.params`,
  );
  const pipeline = await ctx.pipeline(NAIVE_DW_SHADER, { WG, ...a.constants });
  return { pipeline, bindings: [params, bufs.x, bufs.w, bufs.b, bufs.y], workgroups: grid(Math.ceil(total / WG), ctx.limits), label };
}
