import winogradInputWgsl from '../../../shaders/winograd_input.wgsl?raw';
import winogradOutputWgsl from '../../../shaders/winograd_output.wgsl?raw';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { grid, type GpuBuildCtx, type LaterDispatch } from '../program.js';
import { shader } from '../shader.js';
import type { Conv2dGeometry, ConvBuffers } from './conv2d.js';
import { activationSpec, withActivation } from './epilogue.js';
import { gemmLater } from './gemm.js';

// Winograd F(2×2, 3×3) for the software-adapter variant: a 3×3 stride-1 convolution as an input transform, 16
// batched GEMMs (gemm_vec4_register.wgsl) and an output transform, 16 / 36 of the direct kernel's multiply-adds
// for three dispatches and two scratch buffers. On SwiftShader every storage load is a per-lane gather, so the
// direct kernel's cost is its loads per multiply-add; the transforms add 2 loads / stores per GEMM element.

export const WINOGRAD_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c4s', 'u32'], ['co4s', 'u32'], ['oh', 'u32'], ['ow', 'u32'], ['th', 'u32'], ['tw', 'u32'],
  ['tiles', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'], ['total', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);

const R4 = [0, 1, 2, 3];

/** Bᵀ (rows) applied to column s of the patch d, then to each row: V = Bᵀ d B. */
function inputSource(): string {
  const columns = R4.flatMap((s) => [`let ix${s} = ixt + ${s};`, `let okc${s} = (ix${s} >= 0) & (ix${s} < W);`, `let col${s} = u32(clamp(ix${s}, 0, W - 1));`]);
  const rowOf = (r: number) => [
    `let iy${r} = iyt + ${r};`,
    `let okr${r} = (iy${r} >= 0) & (iy${r} < H);`,
    `let row${r} = (n * params.h + u32(clamp(iy${r}, 0, H - 1))) * params.w;`,
  ];
  const patch = (r: number, s: number) => `let d${r}${s} = select(vec4<f32>(0.0), x[(row${r} + col${s}) * params.c4s + c4], okr${r} & okc${s});`;
  const rowTransform = (t: (s: number) => string, v: (j: number) => string) => [
    `let ${v(0)} = ${t(0)} - ${t(2)};`, `let ${v(1)} = ${t(1)} + ${t(2)};`, `let ${v(2)} = ${t(2)} - ${t(1)};`, `let ${v(3)} = ${t(1)} - ${t(3)};`,
  ];
  const load = [...R4.flatMap(rowOf), ...columns, ...R4.flatMap((r) => R4.map((c) => patch(r, c)))];
  const transform = [
    ...R4.flatMap((c) => [`let t0${c} = d0${c} - d2${c};`, `let t1${c} = d1${c} + d2${c};`, `let t2${c} = d2${c} - d1${c};`, `let t3${c} = d1${c} - d3${c};`]),
    ...R4.flatMap((i) => rowTransform((c) => `t${i}${c}`, (j) => `v${i}${j}`)),
  ];
  const store = R4.flatMap((i) => R4.map((j) => `v[${4 * i + j}u * plane + o] = v${i}${j};`));
  return winogradInputWgsl.replace('${LOAD}', load.join('\n  ')).replace('${TRANSFORM}', transform.join('\n  ')).replace('${STORE}', store.join('\n  '));
}

/** Aᵀ (rows) applied to each column of m, then to each row: y = Aᵀ m A. */
function outputSource(residual: boolean, residualFirst: boolean): string {
  // u = Aᵀ m: u0 = m0 + m1 + m2, u1 = m1 - m2 - m3
  const columns = [
    ...R4.flatMap((i) => R4.map((j) => `let m${i}${j} = m[${4 * i + j}u * plane + base];`)),
    ...R4.flatMap((j) => [`let u0${j} = m0${j} + m1${j} + m2${j};`, `let u1${j} = m1${j} - m2${j} - m3${j};`]),
  ];
  const transform = [...columns, ...[0, 1].flatMap((a) => [`r.y${a}0 = u${a}0 + u${a}1 + u${a}2;`, `r.y${a}1 = u${a}1 - u${a}2 - u${a}3;`])];
  return withActivation(winogradOutputWgsl)
    .replace('${TRANSFORM}', transform.join('\n  '))
    .replace('${RES_BINDING}', residual ? '@group(0) @binding(4) var<storage, read> res: array<vec4<f32>>;' : '')
    .replace('act4(v)${RES_ADD}', !residual ? 'act4(v)' : residualFirst ? 'act4(v + res[i])' : 'act4(v) + res[i]');
}

/** The input transform, and the output transform with no residual, a residual after the activation or before it. */
const SHADERS = {
  input: shader('winograd.input', inputSource(), WINOGRAD_PARAMS),
  output: shader('winograd.output', outputSource(false, false), WINOGRAD_PARAMS),
  res: shader('winograd.output.res', outputSource(true, false), WINOGRAD_PARAMS),
  resFirst: shader('winograd.output.resfirst', outputSource(true, true), WINOGRAD_PARAMS),
};

/** ONNX weight [cout, c, 3, 3] -> U[ξ, ci, co] = (G g Gᵀ)[ξ], G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]. */
export function packWinogradWeights(w: Float32Array, c: number, cout: number): Float32Array {
  const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]] as const;
  const u = new Float32Array(16 * c * cout);
  const gg = new Float64Array(12);
  for (let co = 0; co < cout; co++)
    for (let ci = 0; ci < c; ci++) {
      const g = (ky: number, kx: number) => w[((co * c + ci) * 3 + ky) * 3 + kx]!;
      for (let i = 0; i < 4; i++) for (let kx = 0; kx < 3; kx++) gg[i * 3 + kx] = G[i]![0]! * g(0, kx) + G[i]![1]! * g(1, kx) + G[i]![2]! * g(2, kx);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) u[((4 * i + j) * c + ci) * cout + co] = gg[i * 3]! * G[j]![0]! + gg[i * 3 + 1]! * G[j]![1]! + gg[i * 3 + 2]! * G[j]![2]!;
    }
  return u;
}

/** Tiles and scratch floats of a Winograd conv: V [16, T, C] and M [16, T, Cout]. */
function winogradSize(g: Conv2dGeometry): { th: number; tw: number; tiles: number; vFloats: number; mFloats: number } {
  const th = Math.ceil(g.oh / 2);
  const tw = Math.ceil(g.ow / 2);
  const tiles = g.n * th * tw;
  return { th, tw, tiles, vFloats: 16 * tiles * g.c, mFloats: 16 * tiles * g.cout };
}

/**
 * A plain 3×3 stride-1 conv with whole vec4s of input and output channels, at least 16 of each (with fewer the
 * transforms cost more than the GEMM saves), whose scratch buffers the device binds.
 */
export function winogradEligible(g: Conv2dGeometry, limits: Readonly<Record<string, number>>): boolean {
  const plain = g.kh === 3 && g.kw === 3 && g.group === 1 && g.strides.every((s) => s === 1) && g.dilations.every((d) => d === 1);
  if (!plain || g.c % 4 !== 0 || g.cout % 4 !== 0 || g.c < 16 || g.cout < 16) return false;
  const { vFloats, mFloats } = winogradSize(g);
  const bind = Math.min(limits.maxStorageBufferBindingSize ?? 134217728, limits.maxBufferSize ?? 268435456);
  return Math.max(vFloats, mFloats) * 4 <= bind;
}

/**
 * The three dispatches, for GpuNodeProgram.later (three pipelines compiling would hold up a first result that the
 * direct kernel gives sooner; conv.gpu.ts); `w` holds packWinogradWeights, `b` the bias (Cout floats).
 */
export function winogradDispatches(ctx: GpuBuildCtx, g: Conv2dGeometry, act: FusedActivation, bufs: ConvBuffers, label: string): LaterDispatch[] {
  const { th, tw, tiles, vFloats, mFloats } = winogradSize(g);
  const a = activationSpec(act);
  const v = ctx.scratch(vFloats * 4, `${label}.winograd.v`);
  const m = ctx.scratch(mFloats * 4, `${label}.winograd.m`);
  const params = (c4Total: number, label2: string) =>
    ctx.uniform(
      WINOGRAD_PARAMS,
      { h: g.h, w: g.w, c4s: g.c / 4, co4s: g.cout / 4, oh: g.oh, ow: g.ow, th, tw, tiles, pad_t: g.pads[0], pad_l: g.pads[1], total: tiles * c4Total, ...a.params },
      `${label}.${label2}.params`,
    );
  const gemm = gemmLater(
    ctx,
    {
      m: tiles, n: g.cout, k: g.c,
      a: v, aStrides: [g.c, 1],
      b: bufs.w, bStrides: [g.cout, 1],
      y: m, yStrides: [g.cout, 1],
      offsets: Array.from({ length: 16 }, (_, xi) => [xi * tiles * g.c, xi * g.c * g.cout, xi * tiles * g.cout] as const),
      act: { kind: 'none' },
      variant: 'register',
    },
    `${label}.winograd.gemm`,
  );
  const output = bufs.residual ? (bufs.residualFirst ? SHADERS.resFirst : SHADERS.res) : SHADERS.output;
  return [
    {
      request: [SHADERS.input, {}],
      bindings: [params(g.c / 4, 'winograd.input'), bufs.x, v],
      workgroups: grid(Math.ceil((tiles * (g.c / 4)) / 64), ctx.limits),
      label: `${label}.winograd.input`,
    },
    gemm,
    {
      // the exact activation: the transform is shared by Winograd convs only, where the Clip epilogue would cost more than it saves
      request: [output, a.specialized],
      bindings: [params(g.cout / 4, 'winograd.output'), m, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])],
      workgroups: grid(Math.ceil((tiles * (g.cout / 4)) / 64), ctx.limits),
      label: `${label}.winograd.output`,
    },
  ];
}
