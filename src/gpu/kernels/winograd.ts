import winogradInputWgsl from '../../../shaders/winograd_input.wgsl?raw';
import winogradOutputWgsl from '../../../shaders/winograd_output.wgsl?raw';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { firstThenExact, grid, type Dispatch, type GpuBuildCtx } from '../program.js';
import { shader, type ShaderDef } from '../shader.js';
import type { Constants } from '../pipelines.js';
import type { Conv2dGeometry, ConvBuffers } from './conv2d.js';
import { activationSpec, withActivation } from './epilogue.js';
import { gemmDispatch } from './gemm.js';

// Winograd F(2×2, 3×3) for the software-adapter variant: a 3×3 stride-1 convolution as an input transform, 16
// batched GEMMs (gemm_vec4_register.wgsl) and an output transform, 16 / 36 of the direct kernel's multiply-adds
// for three dispatches and two scratch buffers. On SwiftShader every storage load is a per-lane gather, so the
// direct kernel's cost is its loads per multiply-add; the transforms add 2 loads / stores per GEMM element.

export const WINOGRAD_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c4s', 'u32'], ['co4s', 'u32'], ['oh', 'u32'], ['ow', 'u32'], ['th', 'u32'], ['tw', 'u32'],
  ['tiles', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'], ['total', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);

const R4 = [0, 1, 2, 3];

/**
 * Bᵀ (rows) applied to column s of the patch d, then to each row: V = Bᵀ d B. `loop`: the first call's kernel,
 * a loop over the 4 rows of V each reading the 2 rows of d its row of Bᵀ combines (twice the loads, a quarter of
 * the stores written out: SwiftShader compiles it in about half the time, see Gemm4Plan.LOOP).
 */
function inputSource(loop: boolean): string {
  const columns = R4.flatMap((s) => [`let ix${s} = ixt + ${s};`, `let okc${s} = (ix${s} >= 0) & (ix${s} < W);`, `let col${s} = u32(clamp(ix${s}, 0, W - 1));`]);
  const rowOf = (r: string, iy: string) => [
    `let iy${r} = ${iy};`,
    `let okr${r} = (iy${r} >= 0) & (iy${r} < H);`,
    `let row${r} = (n * params.h + u32(clamp(iy${r}, 0, H - 1))) * params.w;`,
  ];
  const patch = (d: string, r: string, s: number) => `let ${d} = select(vec4<f32>(0.0), x[(row${r} + col${s}) * params.c4s + c4], okr${r} & okc${s});`;
  const rowTransform = (t: (s: number) => string, v: (j: number) => string) => [
    `let ${v(0)} = ${t(0)} - ${t(2)};`, `let ${v(1)} = ${t(1)} + ${t(2)};`, `let ${v(2)} = ${t(2)} - ${t(1)};`, `let ${v(3)} = ${t(1)} - ${t(3)};`,
  ];
  if (loop) {
    // row i of Bᵀ is d[ra] + sb · d[rb]: (0, 2, -1), (1, 2, +1), (2, 1, -1), (1, 3, -1)
    const body = [
      'let ra = select(select(1, 2, i == 2u), 0, i == 0u);',
      'let rb = select(select(2, 1, i == 2u), 3, i == 3u);',
      'let sb = select(-1.0, 1.0, i == 1u);',
      ...rowOf('a', 'iyt + ra'),
      ...rowOf('b', 'iyt + rb'),
      ...R4.flatMap((c) => [patch(`da${c}`, 'a', c), patch(`db${c}`, 'b', c), `let t${c} = da${c} + sb * db${c};`]),
      ...rowTransform((c) => `t${c}`, (j) => `v${j}`),
      ...R4.map((j) => `v[(4u * i + ${j}u) * plane + o] = v${j};`),
    ];
    return winogradInputWgsl
      .replace('${LOAD}', columns.join('\n  '))
      .replace('${TRANSFORM}', '')
      .replace('${STORE}', `for (var i = 0u; i < 4u; i++) {\n    ${body.join('\n    ')}\n  }`);
  }
  const load = [...R4.flatMap((r) => rowOf(`${r}`, `iyt + ${r}`)), ...columns, ...R4.flatMap((r) => R4.map((c) => patch(`d${r}${c}`, `${r}`, c)))];
  const transform = [
    ...R4.flatMap((c) => [`let t0${c} = d0${c} - d2${c};`, `let t1${c} = d1${c} + d2${c};`, `let t2${c} = d2${c} - d1${c};`, `let t3${c} = d1${c} - d3${c};`]),
    ...R4.flatMap((i) => rowTransform((c) => `t${i}${c}`, (j) => `v${i}${j}`)),
  ];
  const store = R4.flatMap((i) => R4.map((j) => `v[${4 * i + j}u * plane + o] = v${i}${j};`));
  return winogradInputWgsl.replace('${LOAD}', load.join('\n  ')).replace('${TRANSFORM}', transform.join('\n  ')).replace('${STORE}', store.join('\n  '));
}

/** Aᵀ (rows) applied to each column of m, then to each row: y = Aᵀ m A. `loop`: the rows of m read by a loop (the first call's kernel). */
function outputSource(residual: boolean, residualFirst: boolean, loop: boolean): string {
  // u = Aᵀ m: u0 = m0 + m1 + m2, u1 = m1 - m2 - m3
  const columns = loop
    ? [
        ...R4.flatMap((j) => [`var u0${j} = vec4<f32>(0.0);`, `var u1${j} = vec4<f32>(0.0);`]),
        `for (var i = 0u; i < 4u; i++) {
    let c0 = select(1.0, 0.0, i == 3u);
    let c1 = select(select(-1.0, 1.0, i == 1u), 0.0, i == 0u);
    ${R4.flatMap((j) => [`let m${j} = m[(4u * i + ${j}u) * plane + base];`, `u0${j} += c0 * m${j};`, `u1${j} += c1 * m${j};`]).join('\n    ')}
  }`,
      ]
    : [
        ...R4.flatMap((i) => R4.map((j) => `let m${i}${j} = m[${4 * i + j}u * plane + base];`)),
        ...R4.flatMap((j) => [`let u0${j} = m0${j} + m1${j} + m2${j};`, `let u1${j} = m1${j} - m2${j} - m3${j};`]),
      ];
  const transform = [...columns, ...[0, 1].flatMap((a) => [`r.y${a}0 = u${a}0 + u${a}1 + u${a}2;`, `r.y${a}1 = u${a}1 - u${a}2 - u${a}3;`])];
  return withActivation(winogradOutputWgsl)
    .replace('${TRANSFORM}', transform.join('\n  '))
    .replace('${RES_BINDING}', residual ? '@group(0) @binding(4) var<storage, read> res: array<vec4<f32>>;' : '')
    .replace('act4(v)${RES_ADD}', !residual ? 'act4(v)' : residualFirst ? 'act4(v + res[i])' : 'act4(v) + res[i]');
}

/** The input transform, and the output transform with no residual, a residual after the activation or before it: unrolled, and loop. */
const SHADERS = [false, true].map((loop) => {
  const tag = loop ? '.loop' : '';
  return {
    input: shader(`winograd.input${tag}`, inputSource(loop), WINOGRAD_PARAMS),
    output: shader(`winograd.output${tag}`, outputSource(false, false, loop), WINOGRAD_PARAMS),
    res: shader(`winograd.output.res${tag}`, outputSource(true, false, loop), WINOGRAD_PARAMS),
    resFirst: shader(`winograd.output.resfirst${tag}`, outputSource(true, true, loop), WINOGRAD_PARAMS),
  };
});

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

/** The three dispatches; `w` holds packWinogradWeights, `b` the bias (Cout floats). */
export async function winogradDispatches(
  ctx: GpuBuildCtx,
  g: Conv2dGeometry,
  act: FusedActivation,
  bufs: ConvBuffers,
  label: string,
): Promise<Dispatch[]> {
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
  // the three pipelines compile concurrently (one after the other they were most of a first run's wait); the
  // transforms' loop kernels first unless the unrolled ones are compiled, those swapped in after the first call
  const [unrolled, looped] = SHADERS as [(typeof SHADERS)[0], (typeof SHADERS)[0]];
  const out = (k: typeof unrolled) => (bufs.residual ? (bufs.residualFirst ? k.resFirst : k.res) : k.output);
  const transform = (def: (k: typeof unrolled) => ShaderDef, constants: Constants) => firstThenExact(ctx, [def(unrolled), constants], [def(looped), constants]);
  const inputT = transform((k) => k.input, {});
  // the exact activation: the transform is shared by Winograd convs only, where the Clip epilogue would cost more than it saves
  const outputT = transform(out, a.specialized);
  const gemmPending = gemmDispatch(
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
  const [inPipe, gemm, outPipe] = await Promise.all([inputT.pipeline, gemmPending, outputT.pipeline]);
  const inTotal = tiles * (g.c / 4);
  const input: Dispatch = {
    pipeline: inPipe,
    bindings: [params(g.c / 4, 'winograd.input'), bufs.x, v],
    workgroups: grid(Math.ceil(inTotal / 64), ctx.limits),
    label: `${label}.winograd.input`,
    ...(inputT.upgrade ? { upgrade: inputT.upgrade } : {}),
  };
  const outTotal = tiles * (g.cout / 4);
  const output: Dispatch = {
    pipeline: outPipe,
    bindings: [params(g.cout / 4, 'winograd.output'), m, bufs.b, bufs.y, ...(bufs.residual ? [bufs.residual] : [])],
    workgroups: grid(Math.ceil(outTotal / 64), ctx.limits),
    label: `${label}.winograd.output`,
    ...(outputT.upgrade ? { upgrade: outputT.upgrade } : {}),
  };
  return [input, ...(gemm ? [gemm] : []), output];
}
