import depthwiseWgsl from '../../../shaders/depthwise.wgsl?raw';
import depthwiseRegisterWgsl from '../../../shaders/depthwise_register.wgsl?raw';
import { GpuError } from '../../errors.js';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { firstThenExact, grid, ioStorage, storageOf, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { storageSuffix, type ElemStorage } from '../elem-storage.js';
import { operandLoaders, outputStores } from './elements.js';
import { withWeightType } from '../precision.js';
import { shader, type ShaderDef } from '../shader.js';
import { kernelVariant, type KernelVariant } from '../variant.js';
import { pick } from './pick.js';
import { activationSpec, withActivation } from './epilogue.js';

/** Geometry of one depthwise conv: NHWC input [n, h, w, c], output [n, oh, ow, cout], cout = c · multiplier. */
export interface DwGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  cout: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  strides: readonly [number, number];
  dilations: readonly [number, number];
  /** [top, left, bottom, right]; only top/left matter to the kernel. */
  pads: readonly [number, number, number, number];
}

export const DW_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['cout', 'u32'], ['cout4', 'u32'], ['mult', 'u32'], ['oh', 'u32'], ['ow', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['ph', 'u32'], ['pw', 'u32'],
  ['tiles_c', 'u32'], ['tiles_x', 'u32'], ['tiles_y', 'u32'], ['groups', 'u32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);

const dwDefs = new Map<string, ShaderDef>();

/** The tiled kernel: f32 or (`wF16`, devices with shader-f16) f16 weights widened on load; x and y in storage x / y (act-storage.ts). */
export function depthwiseShader(wF16: boolean, x: ElemStorage = 'f32', y: ElemStorage = 'f32'): ShaderDef {
  const name = `depthwise${wF16 ? '.wh' : ''}${storageSuffix('x', x)}${storageSuffix('y', y)}`;
  let def = dwDefs.get(name);
  if (!def) {
    const source = [operandLoaders('x', 'x', false, x), outputStores('y', false, y), withActivation(depthwiseWgsl)].join('\n');
    dwDefs.set(name, (def = shader(name, withWeightType(source, wF16), DW_PARAMS)));
  }
  return def;
}

export const DW_SHADER = depthwiseShader(false);
export const DW_SHADER_F16 = depthwiseShader(true);

/** Tile shape of the depthwise kernel: override constants (CV … STAGE, MULT1) and the staged patch size (params). */
export interface DwTiling {
  CV: number;
  SY: number;
  SX: number;
  RH: number;
  RW: number;
  /** vec4 slots of the staged patch: exactly ph · pw · CV */
  STAGE: number;
  MULT1: number;
  ph: number;
  pw: number;
}

function dwPatch(g: DwGeometry, ty: number, tx: number): [number, number] {
  return [(ty - 1) * g.strides[0] + (g.kh - 1) * g.dilations[0] + 1, (tx - 1) * g.strides[1] + (g.kw - 1) * g.dilations[1] + 1];
}

/** Input pixels inside the image that ty × tx output tiles stage, summed over the tiles of one image. */
export function stagedPixels(g: DwGeometry, ty: number, tx: number): number {
  const inside = (o0: number, count: number, s: number, dil: number, k: number, pad: number, size: number) => {
    const lo = o0 * s - pad;
    const hi = lo + (count - 1) * s + (k - 1) * dil;
    return Math.max(0, Math.min(hi, size - 1) - Math.max(lo, 0) + 1);
  };
  let patch = 0;
  for (let oy = 0; oy < g.oh; oy += ty)
    for (let ox = 0; ox < g.ow; ox += tx)
      patch += inside(oy, ty, g.strides[0], g.dilations[0], g.kh, g.pads[0], g.h) * inside(ox, tx, g.strides[1], g.dilations[1], g.kw, g.pads[1], g.w);
  return patch;
}

/**
 * Floats the tiled depthwise kernel loads and stores (the counted traffic of bench/traffic.ts): per workgroup the
 * part of its input patch inside the image and its CV channel groups' weights and bias; the output once.
 */
export function depthwiseTraffic(g: DwGeometry, t: DwTiling): number {
  const patch = stagedPixels(g, t.SY * t.RH, t.SX * t.RW);
  const ty = t.SY * t.RH;
  const tx = t.SX * t.RW;
  const cout4 = Math.ceil(g.cout / 4);
  const tilesC = Math.ceil(cout4 / t.CV);
  const tiles = Math.ceil(g.oh / ty) * Math.ceil(g.ow / tx) * g.n;
  return g.n * patch * Math.min(g.cout, tilesC * t.CV * 4) + tiles * (g.kh * g.kw + 1) * cout4 * 4 + g.n * g.oh * g.ow * g.cout;
}

/**
 * Picks the tile with the least counted traffic (staged halo and weights per output) that fits the device: up to 8
 * vec4 channel groups (32 channels = one 128-byte run per pixel), SY × SX spatial invocations (at most 128 in all)
 * each computing RH × RW outputs (RH·RW <= 16, the shader's accumulator array), the staged patch sized exactly.
 */
export function planDepthwise(g: DwGeometry, limits: Readonly<Record<string, number>>): DwTiling {
  const cout4 = Math.ceil(g.cout / 4);
  const maxInv = Math.min(limits.maxComputeInvocationsPerWorkgroup ?? 256, 128);
  const maxMem = limits.maxComputeWorkgroupStorageSize ?? 16384;
  const MULT1 = g.cout === g.c ? 1 : 0;
  let best: { t: DwTiling; cost: number } | undefined;
  for (const CV of [8, 4, 2, 1]) {
    if (CV > 1 && CV / 2 >= cout4) continue;
    for (const SY of [1, 2, 4, 8, 16])
      for (const SX of [1, 2, 4, 8, 16]) {
        if (SY * SX * CV > maxInv || (SY > 1 && SY / 2 >= g.oh) || (SX > 1 && SX / 2 >= g.ow)) continue;
        for (const RH of [1, 2, 3, 4])
          for (const RW of [1, 2, 3, 4]) {
            if ((RH > 1 && SY * (RH - 1) >= g.oh) || (RW > 1 && SX * (RW - 1) >= g.ow)) continue;
            const [ph, pw] = dwPatch(g, SY * RH, SX * RW);
            const STAGE = ph * pw * CV;
            if (16 * (STAGE + (g.kh * g.kw + 1) * CV) > maxMem) continue;
            const t = { CV, SY, SX, RH, RW, STAGE, MULT1, ph, pw };
            const cost = depthwiseTraffic(g, t);
            // ties go to more invocations (parallelism), then fewer outputs per invocation
            const better = !best || cost < best.cost || (cost === best.cost && SY * SX * CV > best.t.SY * best.t.SX * best.t.CV);
            if (better) best = { t, cost };
          }
      }
  }
  if (!best) {
    const [ph, pw] = dwPatch(g, 1, 1);
    throw new GpuError(
      `depthwise kernel ${g.kh}x${g.kw} with dilation ${g.dilations[0]}x${g.dilations[1]} needs a ${ph}x${pw} input patch, over maxComputeWorkgroupStorageSize ${maxMem}`,
      'GPU_UNSUPPORTED',
    );
  }
  return best.t;
}

/** ONNX weight [cout, 1, kh, kw] -> [kh·kw, cout4·4] (tap-major, channels padded to vec4). */
export function packDepthwiseWeights(w: Float32Array, cout: number, kh: number, kw: number): Float32Array {
  const c4 = Math.ceil(cout / 4) * 4;
  const out = new Float32Array(kh * kw * c4);
  for (let o = 0; o < cout; o++) for (let t = 0; t < kh * kw; t++) out[t * c4 + o] = w[o * kh * kw + t]!;
  return out;
}

/** Bias (or zeros) padded to `padTo` elements. */
export function padVector(b: Float32Array | undefined, n: number, padTo: number): Float32Array {
  const out = new Float32Array(Math.max(1, padTo));
  if (b) out.set(b.subarray(0, n));
  return out;
}

export interface DwBuffers {
  x: BindingRef;
  /** packDepthwiseWeights output (packFloat16 of it with wF16) */
  w: BindingRef;
  /** w holds f16 elements: the tiled kernel only (the device having shader-f16) */
  wF16?: boolean;
  /** bias padded to a multiple of 4 */
  b: BindingRef;
  y: BindingRef;
  /** y = act(conv + bias) + r, r laid out like y: the register kernel only (RES) */
  r?: BindingRef;
}

export const DW_REGISTER_PARAMS = defineParams([
  ['n', 'u32'], ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['cout', 'u32'], ['cout4', 'u32'], ['mult', 'u32'], ['oh', 'u32'], ['ow', 'u32'],
  ['stride_y', 'u32'], ['dil_y', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'], ['act_a', 'f32'], ['act_b', 'f32'],
] as const);

/** The shape of the software-adapter depthwise kernel; each distinct value is one generated module. */
export interface DwRegisterPlan {
  /** outputs along W per invocation */
  RW: number;
  /** output rows per invocation: more than 1 needs stride = dilation along H (depthwise_register.wgsl) */
  RH: number;
  KW: number;
  /** stride and dilation along W (unrolled into the code); along H they are params */
  SX: number;
  DX: number;
  /** the kernel height when the input rows are unrolled too (stride and dilation 1 along H), else 0: a row loop */
  UKH: number;
  /** x and y bound as vec4 arrays (C % 4 == 0, multiplier 1) */
  VEC: boolean;
  /** the outputs stored by a loop, each picked from the accumulators by selects: the first call's kernel (see Gemm4Plan.LOOP) */
  LOOP: boolean;
  /** a residual added after the activation (a fused Add: MediaPipe's decoders' x + relu(dw(x))), bound at 5 */
  RES: boolean;
}

/**
 * The kernel a layer ends with. RW: the output run per invocation, 7 (every MobileNet size, 112, 56, 28, 14, 7,
 * divides by it) or, for rows of at most 4 outputs, 4; never the row length itself, so layers of different sizes
 * share one pipeline per kernel width, stride and dilation (outputs past the row end are computed from clamped
 * loads and not stored). RH: 2 rows where the output has them and the stride along H equals the dilation (the
 * rows then share all but one input row), else 1.
 * 3×3 and smaller at stride and dilation 1 along H: rows unrolled, run first as the row loop of the same block
 * (firstDepthwiseRegister): the unrolled rows compile ~2× longer. Any other filter: the row loop.
 * On SwiftShader a vec4 load or store costs ~6 vec4 FMAs, so the cost is loads per output: 3×3 stride 1 unrolled
 * reads 45 vec4 for 2 × 7 outputs, 63 for 4 × 7 — CPU time 0.83-0.88× of 2 rows, but compiling 2× longer
 * (~1.1 s), which left the bench's dsc steady window on the row loop; the 4-row loop gained nothing over 2 rows
 * at 5×5 nor at stride 2, nor did unrolling 5×5 or stride 2 rows (~10% for 2-9× the compile time). Lanes past
 * the blocks are not free there (a returned lane still runs the code, masked: a grid sized for 2-row blocks under
 * the 4-row kernel cost it 1.35×), so the grid is exact.
 */
// The plan is unrolled into the generated source and so is part of its name and pipeline key.
export function planDepthwiseRegister(g: DwGeometry, residual = false): DwRegisterPlan {
  const RW = g.ow > 4 ? 7 : 4;
  const RH = g.oh > 1 && g.strides[0] === g.dilations[0] ? 2 : 1;
  const unroll = RH === 2 && g.strides[0] === 1 && g.kh <= 3 && g.kw <= 3;
  return { RW, RH, KW: g.kw, SX: g.strides[1], DX: g.dilations[1], UKH: unroll ? g.kh : 0, VEC: g.c % 4 === 0 && g.cout === g.c, LOOP: false, RES: residual };
}

/** What a plan runs as until it is compiled (Dispatch.upgrade): the same block (so the same grid), the row loop and the store loop. */
export function firstDepthwiseRegister(p: DwRegisterPlan): DwRegisterPlan {
  return { ...p, UKH: 0, LOOP: true };
}

const registerSources = new Map<string, ShaderDef>();

/** Offsets j·s + k·d (j < outputs, k < taps) of the input columns (or rows) a block reads, ascending. */
function reads(outputs: number, taps: number, s: number, d: number): number[] {
  return [...new Set(Array.from({ length: outputs * taps }, (_, t) => Math.floor(t / taps) * s + (t % taps) * d))].sort((a, b) => a - b);
}

/** The (output, tap) pairs that read offset o. */
function readers(o: number, outputs: number, taps: number, s: number, d: number): [number, number][] {
  const out: [number, number][] = [];
  for (let j = 0; j < outputs; j++) for (let k = 0; k < taps; k++) if (j * s + k * d === o) out.push([j, k]);
  return out;
}

/** Generates (once per plan) the unrolled kernel from shaders/depthwise_register.wgsl. */
export function registerDepthwiseShader(p: DwRegisterPlan): ShaderDef {
  const { RW, RH, KW, SX, DX, UKH, VEC, RES } = p;
  const name = `depthwise.register.${VEC ? 'v4' : 's'}.b${RH}x${RW}${UKH ? `.k${UKH}` : ''}.kw${KW}.sx${SX}.dx${DX}${RES ? '.res' : ''}${p.LOOP ? '.loop' : ''}`;
  let def = registerSources.get(name);
  if (def) return def;
  const lines = (xs: string[], indent: string) => xs.join('\n' + indent);
  const cols = reads(RW, KW, SX, DX);
  const columns = cols.flatMap((i) => [`let xc${i} = u32(clamp(ix0 + ${i}, 0, W - 1));`, `let ok${i} = (ix0 + ${i} >= 0) & (ix0 + ${i} < W);`]);
  const J = Array.from({ length: RH }, (_, j) => j);
  const acc = J.flatMap((j) => Array.from({ length: RW }, (_, i) => `var a${j}_${i} = vec4<f32>(0.0);`));
  const rowStart = (iy: string) => [`let iy = ${iy};`, 'let rok = (iy >= 0) & (iy < H);', 'let row = (n * params.h + u32(clamp(iy, 0, H - 1))) * params.w;'];
  let rows: string[];
  if (UKH) {
    const weights = Array.from({ length: UKH * KW }, (_, t) => `let w${Math.floor(t / KW)}_${t % KW} = w[${t ? `${t}u * params.cout4 + ` : ''}c4];`);
    // input row r, column by column: each input vec4 live only while the outputs that use it accumulate it
    const unrolled = reads(RH, UKH, 1, 1).map((r) => {
      const taps = cols.flatMap((c) => [
        `let v${c} = select(vec4<f32>(0.0), load_x(row + xc${c}, ch), rok & ok${c});`,
        ...readers(r, RH, UKH, 1, 1).flatMap(([j, ky]) => readers(c, RW, KW, SX, DX).map(([i, kx]) => `a${j}_${i} += w${ky}_${kx} * v${c};`)),
      ]);
      const body = [...rowStart(`iy0 + ${r}`), ...taps];
      return `{\n    ${lines(body, '    ')}\n  }`;
    });
    rows = [...weights, ...unrolled];
  } else {
    // Step t reads input row t·dil_y (stride = dilation along H); output row j takes kernel row t - j there, while
    // 0 <= t - j < KH: row 0 this step's kernel row (w), row j the one loaded j steps before (p{j}, a shift
    // register of weight rows). Each row's FMAs are guarded by a condition uniform over the lanes rather than fed
    // zero weights, so an Inf or NaN in an input row that only another output row reads stays out of it.
    const depth = RH - 1;
    const D = Array.from({ length: depth }, (_, k) => k + 1);
    const K = Array.from({ length: KW }, (_, kx) => kx);
    const carried = D.flatMap((k) => K.map((kx) => `var p${k}_${kx} = vec4<f32>(0.0);`));
    const fmas = (j: number) =>
      cols.flatMap((c) => readers(c, RW, KW, SX, DX).map(([i, kx]) => `a${j}_${i} += ${j === 0 ? 'w' : `p${j}_`}${kx} * v${c};`));
    const guarded = (cond: string, xs: string[]) => `if (${cond}) {\n      ${lines(xs, '      ')}\n    }`;
    const body = [
      ...rowStart('iy0 + i32(t * params.dil_y)'),
      'let wb = min(t, KH - 1u) * KW * params.cout4 + c4;',
      ...K.map((kx) => `let w${kx} = w[wb${kx ? ` + ${kx}u * params.cout4` : ''}];`),
      ...cols.map((c) => `let v${c} = select(vec4<f32>(0.0), load_x(row + xc${c}, ch), rok & ok${c});`),
      ...(RH > 1
        ? [
            ...J.map((j) => guarded(j === 0 ? 't < KH' : j === RH - 1 ? `t >= ${j}u` : `(t >= ${j}u) & (t < KH + ${j}u)`, fmas(j))),
            ...[...D].reverse().flatMap((k) => K.map((kx) => `p${k}_${kx} = ${k === 1 ? 'w' : `p${k - 1}_`}${kx};`)),
          ]
        : fmas(0)),
    ];
    rows = [...carried, `for (var t = 0u; t < KH + ${depth}u; t++) {\n    ${lines(body, '    ')}\n  }`];
  }
  const out = (pix: string, acc: string) => `act4(${acc} + bias)${RES ? ` + load_r(${pix}, c4)` : ''}`;
  const looped = [
    `for (var k = 0u; k < ${RH * RW}u; k++) {
    let oy = oy0 + k / RW;
    let ox = ox0 + k % RW;
    if ((ox < params.ow) & (oy < params.oh)) {
      let pix = (n * params.oh + oy) * params.ow + ox;
      store_y(pix, c4, ${out('pix', pick('k', J.flatMap((j) => Array.from({ length: RW }, (_, i) => `a${j}_${i}`))))});
    }
  }`,
  ];
  const store = p.LOOP ? looped : J.map((j) => {
    const row = [
      `let pix${j} = (n * params.oh + oy0${j ? ` + ${j}u` : ''}) * params.ow + ox0;`,
      ...Array.from({ length: RW }, (_, i) =>
        i === 0 ? `store_y(pix${j}, c4, ${out(`pix${j}`, `a${j}_0`)});` : `if (ox0 + ${i}u < params.ow) {\n    store_y(pix${j} + ${i}u, c4, ${out(`pix${j} + ${i}u`, `a${j}_${i}`)});\n  }`,
      ),
    ];
    return j === 0 ? lines(row, '  ') : `if (oy0 + ${j}u < params.oh) {\n  ${lines(row, '  ')}\n  }`;
  });
  const source = [
    `alias XT = ${VEC ? 'vec4<f32>' : 'f32'};`,
    `const RW: u32 = ${RW}u;`,
    `const RH: u32 = ${RH}u;`,
    `const KW: u32 = ${KW}u;`,
    `const SX: u32 = ${SX}u;`,
    withActivation(depthwiseRegisterWgsl),
  ]
    .join('\n')
    .replace(
      '${LOAD_X}',
      VEC
        ? 'return x[pix * (params.c / 4u) + ch.x];'
        : 'let base = pix * params.c;\n  return vec4<f32>(x[base + ch.x], x[base + ch.y], x[base + ch.z], x[base + ch.w]);',
    )
    .replace(
      '${STORE_Y}',
      VEC
        ? 'y[pix * params.cout4 + c4] = v;'
        : [
            'let o = c4 * 4u;',
            '  let base = pix * params.cout + o;',
            '  if (o + 4u <= params.cout) {',
            '    y[base] = v.x;',
            '    y[base + 1u] = v.y;',
            '    y[base + 2u] = v.z;',
            '    y[base + 3u] = v.w;',
            '  } else {',
            '    for (var k = 0u; k < params.cout - o; k++) {',
            '      y[base + k] = v[k];',
            '    }',
            '  }',
          ].join('\n'),
    )
    .replace(
      '${RESIDUAL}',
      !RES
        ? ''
        : [
            '@group(0) @binding(5) var<storage, read> r: array<XT>;',
            '',
            '// Residual pixel pix, channels 4·c4 .. 4·c4 + 3 (those past Cout repeat the last, never stored).',
            'fn load_r(pix: u32, c4: u32) -> vec4<f32> {',
            VEC
              ? '  return r[pix * params.cout4 + c4];'
              : '  let base = pix * params.cout + c4 * 4u;\n  let last = pix * params.cout + params.cout - 1u;\n  return vec4<f32>(r[base], r[min(base + 1u, last)], r[min(base + 2u, last)], r[min(base + 3u, last)]);',
            '}',
          ].join('\n'),
    )
    .replace(
      '${CHANNELS}',
      VEC
        ? 'let ch = vec4<u32>(c4);'
        : 'let o = c4 * 4u;\n  let cl = params.c - 1u;\n  let ch = min((vec4<u32>(o) + vec4<u32>(0u, 1u, 2u, 3u)) / params.mult, vec4<u32>(cl));',
    )
    .replace('${COLUMNS}', lines(columns, '  '))
    .replace('${ACC}', lines(acc, '  '))
    .replace('${ROWS}', lines(rows, '  '))
    .replace('${STORE}', lines(store, '  '));
  def = shader(name, source, DW_REGISTER_PARAMS);
  registerSources.set(name, def);
  return def;
}

/** The software-adapter kernel (depthwise_register.wgsl): no workgroup memory, RH × RW outputs × 4 channels per invocation. */
export async function depthwiseRegisterDispatch(
  ctx: GpuBuildCtx, g: DwGeometry, act: FusedActivation, bufs: DwBuffers, label: string, plan?: DwRegisterPlan,
): Promise<Dispatch> {
  const p = plan ?? planDepthwiseRegister(g, !!bufs.r);
  if (p.RES !== !!bufs.r) throw new GpuError(`depthwise "${label}": the plan's residual (RES) and the bindings disagree`, 'GPU_UNSUPPORTED');
  const a = activationSpec(act);
  const cout4 = Math.ceil(g.cout / 4);
  const params = ctx.uniform(
    DW_REGISTER_PARAMS,
    {
      n: g.n, h: g.h, w: g.w, c: g.c, cout: g.cout, cout4, mult: g.cout / g.c, oh: g.oh, ow: g.ow,
      stride_y: g.strides[0], dil_y: g.dilations[0], pad_t: g.pads[0], pad_l: g.pads[1], ...a.params,
    },
    `${label}.params`,
  );
  const bindings = [params, bufs.x, bufs.w, bufs.b, bufs.y, ...(bufs.r ? [bufs.r] : [])];
  const workgroups = grid(Math.ceil((cout4 * Math.ceil(g.ow / p.RW) * Math.ceil(g.oh / p.RH) * g.n) / 64), ctx.limits);
  // A first result runs the shared activation (activationSpec), the unrolled kernel swapped in later the exact one.
  // The unrolled rows compile ~2× longer than the row loop (same bindings), which held up a first result by
  // 150-450 ms (bench dsc), and the unrolled stores ~1.5×: the loops run first and the unrolled kernel replaces
  // them once compiled. A given plan runs as it is.
  const request = (q: DwRegisterPlan, act: { ACT: number }) => [registerDepthwiseShader(q), q.UKH ? act : { KH: g.kh, ...act }] as const;
  const exact = request(p, a.specialized);
  const { pipeline, upgrade } = firstThenExact(ctx, exact, plan ? exact : request(firstDepthwiseRegister(p), a.constants));
  return { pipeline: await pipeline, bindings, workgroups, label, ...(upgrade ? { upgrade } : {}) };
}

/** The register kernel or the tiled one (workgroup-memory staging), as kernelVariant decides unless `variant` forces one. */
export async function depthwiseDispatch(
  ctx: GpuBuildCtx,
  g: DwGeometry,
  act: FusedActivation,
  bufs: DwBuffers,
  label: string,
  variant: KernelVariant = kernelVariant(ctx.info),
): Promise<Dispatch> {
  if (bufs.wF16 && variant !== 'tiled') throw new GpuError(`depthwise "${label}": f16 weights are a tiled-kernel path; the ${variant} variant reads f32`, 'GPU_UNSUPPORTED');
  ioStorage(ctx, variant, `depthwise "${label}"`, bufs.x, bufs.y);
  if (bufs.r && variant !== 'register') throw new GpuError(`depthwise "${label}": a fused residual runs only in the register (software-adapter) kernel`, 'GPU_UNSUPPORTED');
  return variant === 'register' ? depthwiseRegisterDispatch(ctx, g, act, bufs, label) : depthwiseTiledDispatch(ctx, g, act, bufs, label);
}

/** The tiled kernel (depthwise.wgsl): the input patch staged once per workgroup in workgroup memory. */
export async function depthwiseTiledDispatch(ctx: GpuBuildCtx, g: DwGeometry, act: FusedActivation, bufs: DwBuffers, label: string): Promise<Dispatch> {
  const t = planDepthwise(g, ctx.limits);
  const { ph, pw } = t;
  const a = activationSpec(act);
  const cout4 = Math.ceil(g.cout / 4);
  const tilesC = Math.ceil(cout4 / t.CV);
  const tilesX = Math.ceil(g.ow / (t.SX * t.RW));
  const tilesY = Math.ceil(g.oh / (t.SY * t.RH));
  const groups = tilesC * tilesX * tilesY * g.n;
  const params = ctx.uniform(
    DW_PARAMS,
    {
      h: g.h, w: g.w, c: g.c, cout: g.cout, cout4, mult: g.cout / g.c, oh: g.oh, ow: g.ow,
      stride_y: g.strides[0], stride_x: g.strides[1], dil_y: g.dilations[0], dil_x: g.dilations[1], pad_t: g.pads[0], pad_l: g.pads[1],
      ph, pw, tiles_c: tilesC, tiles_x: tilesX, tiles_y: tilesY, groups, ...a.params,
    },
    `${label}.params`,
  );
  const { ph: _ph, pw: _pw, ...tiling } = t;
  const pipeline = await ctx.pipeline(depthwiseShader(!!bufs.wF16, storageOf(ctx, bufs.x), storageOf(ctx, bufs.y)), { ...tiling, KH: g.kh, KW: g.kw, ...a.constants });
  return { pipeline, bindings: [params, bufs.x, bufs.w, bufs.b, bufs.y], workgroups: grid(groups, ctx.limits), label };
}
