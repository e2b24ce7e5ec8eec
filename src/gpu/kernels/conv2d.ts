import conv2dWgsl from '../../../shaders/conv2d.wgsl?raw';
import conv2dRegisterWgsl from '../../../shaders/conv2d_register.wgsl?raw';
import { GpuError } from '../../errors.js';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { grid, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { shader, type ShaderDef } from '../shader.js';
import { activationSpec, withActivation } from './epilogue.js';
import type { KernelVariant } from '../variant.js';
import { BLOCK_4X4, gemmTile, operandLoaders, withBlock, type GemmBlock } from './gemm.js';
import { withOutputType } from './output.js';

export const CONV2D_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['oh', 'u32'], ['ow', 'u32'], ['cg', 'u32'], ['coutg', 'u32'], ['cout', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['m', 'u32'], ['k', 'u32'], ['tiles_m', 'u32'], ['tiles_n', 'u32'], ['groups', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);

const convDefs = new Map<string, ShaderDef>();

/**
 * The implicit-GEMM module for an entry point; x4: the input bound as vec4 (cg % 4 = 0), w4: the weights and the
 * output (and residual) bound as vec4 (coutg % 4 = 0). vec4 bindings are for the tiled variant only.
 */
export function conv2dShader(variant: KernelVariant, residual: boolean, x4 = false, w4 = false, block: GemmBlock = BLOCK_4X4): ShaderDef {
  const entry = variant === 'tiled' ? (residual ? 'main_res' : 'main') : residual ? 'reg_res' : 'reg_main';
  const blocked = withBlock(withOutputType(withActivation(conv2dWgsl), w4), block);
  const name = `conv2d${variant === 'tiled' ? '' : '.register'}${residual ? '.res' : ''}${x4 ? '.x4' : ''}${w4 ? '.w4' : ''}${blocked.suffix}`;
  let def = convDefs.get(name);
  if (!def) {
    const source = [operandLoaders('x', 'x', x4), operandLoaders('w', 'wt', w4), blocked.source].join('\n');
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
}

/** Channel loops this short are unrolled (registerConv2dShader). */
const UNROLL_CG = 4;

/** One block for every shape (clamped pixels / channel groups, see registerConv2dShader): one pipeline per kernel size (and per cg ≤ 4). */
export function planConv2dRegister(residual: boolean, cg: number, residualFirst = false): Conv2dRegisterPlan {
  return { TM: 8, TN4: 2, RES: residual, CG: cg <= UNROLL_CG ? cg : 0, RF: residual && residualFirst };
}

const registerSources = new Map<string, ShaderDef>();

/** Generates (once per plan) the unrolled kernel from shaders/conv2d_register.wgsl. */
export function registerConv2dShader(p: Conv2dRegisterPlan): ShaderDef {
  const name = `conv2d.register4.${p.TM}x${p.TN4 * 4}${p.RES ? (p.RF ? '.resfirst' : '.res') : ''}${p.CG ? `.cg${p.CG}` : ''}`;
  let def = registerSources.get(name);
  if (def) return def;
  const { TM, TN4, RES } = p;
  const I = Array.from({ length: TM }, (_, i) => i);
  const J = Array.from({ length: TN4 }, (_, j) => j);
  const setup = [
    ...I.flatMap((i) => [
      `let gm${i} = min(m0 + ${i}u, lm);`,
      `let ox${i} = gm${i} % params.ow;`,
      `let t${i} = gm${i} / params.ow;`,
      `let by${i} = i32((t${i} % params.oh) * params.stride_y) - params.pad_t;`,
      `let bx${i} = i32(ox${i} * params.stride_x) - params.pad_l;`,
      `let pb${i} = (t${i} / params.oh) * params.h;`,
    ]),
    ...J.map((j) => `let bc${j} = min(n40 + ${j}u, ln4);`),
    ...I.flatMap((i) => J.map((j) => `var s${i}_${j} = vec4<f32>(0.0);`)),
  ];
  const tap = I.flatMap((i) => [
    `let iy${i} = by${i} + dy;`,
    `let ix${i} = bx${i} + dx;`,
    `let ok${i} = (iy${i} >= 0) & (iy${i} < H) & (ix${i} >= 0) & (ix${i} < W);`,
    `let xa${i} = select(cbase, ((pb${i} + u32(iy${i})) * params.w + u32(ix${i})) * params.c + cbase, ok${i});`,
  ]);
  const body = (ci: string, wr: string) => [
    ...J.map((j) => `let w${j} = wt[${wr} + bc${j}];`),
    ...I.flatMap((i) => [`let xv${i} = select(0.0, x[xa${i} + ${ci}], ok${i});`, ...J.map((j) => `s${i}_${j} += xv${i} * w${j};`)]),
  ];
  const channels = p.CG
    ? Array.from({ length: p.CG }, (_, ci) => `{
        ${body(`${ci}u`, ci ? `wr + ${ci}u * coutg4` : 'wr').join('\n        ')}
      }`)
    : [`for (var ci = 0u; ci < params.cg; ci++) {
        ${body('ci', 'wr + ci * coutg4').join('\n        ')}
      }`];
  // Pixels past M and channel groups past coutg/4 were computed from the clamped (last) pixel / group, so they
  // hold exactly its values: storing them there again needs no branch.
  const store = [
    ...J.map((j) => `let bias${j} = b[ybase + bc${j}];`),
    ...I.flatMap((i) => [
      `let yr${i} = gm${i} * cout4 + ybase;`,
      ...J.map((j) => {
        const r = `res[yr${i} + bc${j}]`;
        const v = `s${i}_${j} + bias${j}`;
        return `y[yr${i} + bc${j}] = ${!RES ? `act4(${v})` : p.RF ? `act4(${v} + ${r})` : `act4(${v}) + ${r}`};`;
      }),
    ]),
  ];
  const source = [`const TM: u32 = ${TM}u;`, `const TN4: u32 = ${TN4}u;`, withActivation(conv2dRegisterWgsl)]
    .join('\n')
    .replace('${RES_BINDING}', RES ? '@group(0) @binding(5) var<storage, read> res: array<vec4<f32>>;' : '')
    .replace('${SETUP}', setup.join('\n  '))
    .replace('${TAP}', tap.join('\n      '))
    .replace('${CHANNELS}', channels.join('\n      '))
    .replace('${STORE}', store.join('\n  '));
  def = shader(name, source, CONV2D_PARAMS);
  registerSources.set(name, def);
  return def;
}

/** The vec4 register kernel needs whole vec4s of output channels per group. */
export function conv2dRegister4Eligible(g: Conv2dGeometry): boolean {
  return (g.cout / g.group) % 4 === 0;
}

async function conv2dRegister4Dispatch(
  ctx: GpuBuildCtx,
  g: Conv2dGeometry,
  act: FusedActivation,
  bufs: ConvBuffers,
  label: string,
): Promise<Dispatch> {
  const a = activationSpec(act);
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * cg;
  const p = planConv2dRegister(!!bufs.residual, cg, bufs.residualFirst);
  const tilesM = Math.ceil(m / p.TM);
  const tilesN = Math.ceil(coutg / 4 / p.TN4);
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
  const pipeline = await ctx.pipeline(registerConv2dShader(p), { KH: g.kh, KW: g.kw, ...a.constants });
  const bindings = [params, bufs.x, bufs.w, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])];
  return { pipeline, bindings, workgroups: grid(Math.ceil(groups / 64), ctx.limits), label };
}

export async function conv2dDispatch(
  ctx: GpuBuildCtx,
  g: Conv2dGeometry,
  act: FusedActivation,
  bufs: ConvBuffers,
  label: string,
  variant: KernelVariant,
): Promise<Dispatch> {
  if (variant === 'register' && conv2dRegister4Eligible(g)) return conv2dRegister4Dispatch(ctx, g, act, bufs, label);
  if (bufs.residualFirst) throw new GpuError(`Conv "${label}": an activation after the residual needs the vec4 register kernel (Cout per group % 4 == 0, software adapter)`, 'GPU_UNSUPPORTED');
  const a = activationSpec(act);
  const cg = g.c / g.group;
  const coutg = g.cout / g.group;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * cg;
  const { TM, TN, ...block } = variant === 'tiled' ? gemmTile(m, coutg, k, ctx.limits) : { TM: 4, TN: 4, ...BLOCK_4X4 };
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
  const x4 = variant === 'tiled' && cg % 4 === 0;
  const w4 = variant === 'tiled' && coutg % 4 === 0;
  const def = conv2dShader(variant, !!bufs.residual, x4, w4, block);
  const constants = { KH: g.kh, KW: g.kw, X4: x4 ? 1 : 0, W4: w4 ? 1 : 0, ...a.constants, ...(variant === 'tiled' ? { TM, TN } : { REG_WG: 64 }) };
  const pipeline = await ctx.pipeline(def, constants);
  const bindings = [params, bufs.x, bufs.w, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])];
  return { pipeline, bindings, workgroups: grid(variant === 'tiled' ? groups : Math.ceil(groups / 64), ctx.limits), label };
}
