import dwpwWgsl from '../../../shaders/dwpw.wgsl?raw';
import { GpuError } from '../../errors.js';
import type { FusedActivation } from '../../ops/activation.js';
import { defineParams } from '../params.js';
import { grid, ioStorage, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { storageSuffix } from '../elem-storage.js';
import type { ConvStorage } from './conv2d.js';
import { withWeightType } from '../precision.js';
import { shader, type ShaderDef } from '../shader.js';
import { depthwiseTraffic, planDepthwise, stagedPixels, type DwGeometry } from './depthwise.js';
import { activationSpec, withActivation } from './epilogue.js';
import type { KernelVariant } from '../variant.js';
import { gemmTile, gemmTraffic } from './gemm.js';
import { withOutputType } from './output.js';
import { operandLoaders } from './elements.js';

export const DWPW_PARAMS = defineParams([
  ['h', 'u32'], ['w', 'u32'], ['c', 'u32'], ['mult', 'u32'], ['oh', 'u32'], ['ow', 'u32'],
  ['stride_y', 'u32'], ['stride_x', 'u32'], ['dil_y', 'u32'], ['dil_x', 'u32'], ['pad_t', 'i32'], ['pad_l', 'i32'],
  ['m', 'u32'], ['k', 'u32'], ['k4', 'u32'], ['n', 'u32'], ['n4', 'u32'], ['tiles_x', 'u32'], ['tiles_y', 'u32'], ['tiles_n', 'u32'], ['groups', 'u32'],
  ['act_a', 'f32'], ['act_b', 'f32'], ['dw_act_a', 'f32'], ['dw_act_b', 'f32'],
] as const);

const dwpwDefs = new Map<string, ShaderDef>();

/**
 * The fused kernel for an entry point: `wF16` weights stored as f16 and widened on load (devices with
 * shader-f16), `x4` the input bound as vec4 (C % 4 = 0), `y4` the output and residual bound as vec4 (n % 4 = 0).
 */
export function dwpwShader(residual: boolean, o: { wF16?: boolean; x4?: boolean; y4?: boolean } & ConvStorage = {}): ShaderDef {
  const { x = 'f32', y = 'f32', r = 'f32' } = o;
  const io = storageSuffix('x', x) + storageSuffix('y', y) + (residual ? storageSuffix('r', r) : '');
  const name = `dwpw${residual ? '.res' : ''}${o.wF16 ? '.wh' : ''}${o.x4 ? '.x4' : ''}${o.y4 ? '.y4' : ''}${io}`;
  let def = dwpwDefs.get(name);
  if (!def) {
    const source = withWeightType([operandLoaders('x', 'x', !!o.x4, x), withOutputType(withActivation(dwpwWgsl), !!o.y4, y, residual ? r : 'f32')].join('\n'), !!o.wF16);
    dwpwDefs.set(name, (def = shader(name, source, DWPW_PARAMS, residual ? 'main_res' : 'main')));
  }
  return def;
}

/** A depthwise conv (geometry g, its output channels = g.cout) followed by a 1x1 conv to `n` channels. */
export interface DwPwGeometry {
  dw: DwGeometry;
  n: number;
}

/** The fused kernel's tile (override constants of dwpw.wgsl): TY × TX output pixels × TN channels, DK depthwise channels per chunk. */
export interface DwPwTiling {
  /** output pixels per invocation */
  RP: number;
  TY: number;
  TX: number;
  TN: number;
  DK: number;
  PH: number;
  PW: number;
}

/**
 * Floats the fused kernel loads and stores (the counted traffic of bench/traffic.ts, in floats): per workgroup and
 * chunk of DK channels, the input patch inside the image, the chunk's depthwise weights and bias and its DK × TN
 * pointwise weights, and its pointwise bias once; the output (and residual) once.
 */
export function dwPwTraffic(g: DwPwGeometry, t: DwPwTiling, residual = false): number {
  const d = g.dw;
  const patch = stagedPixels(d, t.TY, t.TX);
  const k4 = Math.ceil(d.cout / 4) * 4;
  const chunks = Math.ceil(d.cout / t.DK);
  const tilesN = Math.ceil(g.n / t.TN);
  const tilesS = Math.ceil(d.oh / t.TY) * Math.ceil(d.ow / t.TX) * d.n;
  const n4 = Math.ceil(g.n / 4) * 4;
  const dwPass = d.n * patch * Math.min(k4, chunks * t.DK) + tilesS * (d.kh * d.kw + 1) * k4;
  const m = d.n * d.oh * d.ow;
  return tilesN * dwPass + tilesS * (k4 * n4 + n4) + m * g.n * (residual ? 2 : 1);
}

function patchOf(d: DwGeometry, TY: number, TX: number): [number, number] {
  return [(TY - 1) * d.strides[0] + (d.kh - 1) * d.dilations[0] + 1, (TX - 1) * d.strides[1] + (d.kw - 1) * d.dilations[1] + 1];
}

/**
 * The tile with the least counted traffic that fits the device: workgroup (TN/4)·(TY·TX/RP) invocations and
 * 16·(PH·PW·DK/4 + (KH·KW+1)·DK/4 + TY·TX·DK/4 + DK·TN/4) bytes of workgroup memory; undefined when none fits.
 */
export function planDwPw(g: DwPwGeometry, limits: Readonly<Record<string, number>>): DwPwTiling | undefined {
  const d = g.dw;
  const maxInv = limits.maxComputeInvocationsPerWorkgroup ?? 256;
  const maxMem = limits.maxComputeWorkgroupStorageSize ?? 16384;
  const maxX = limits.maxComputeWorkgroupSizeX ?? 256;
  const maxY = limits.maxComputeWorkgroupSizeY ?? 256;
  let best: { t: DwPwTiling; cost: number } | undefined;
  for (const RP of [4, 8])
    for (const TY of [4, 8, 16])
      for (const TX of [4, 8, 16])
        for (const TN of [16, 32, 64, 128])
          for (const DK of [16, 8, 4]) {
            const TM = TY * TX;
            if ((TN / 4) * (TM / RP) > maxInv || TN / 4 > maxX || TM / RP > maxY) continue;
            if (TN > 16 && TN / 2 >= Math.ceil(g.n / 4) * 4) continue; // half the tile would be idle
            if ((TY > 4 && TY / 2 >= d.oh) || (TX > 4 && TX / 2 >= d.ow)) continue;
            const [PH, PW] = patchOf(d, TY, TX);
            if (16 * ((PH * PW * DK) / 4 + ((d.kh * d.kw + 1) * DK) / 4 + (TM * DK) / 4 + (DK * TN) / 4) > maxMem) continue;
            const t = { RP, TY, TX, TN, DK, PH, PW };
            const cost = dwPwTraffic(g, t);
            if (!best || cost < best.cost || (cost === best.cost && RP < best.t.RP)) best = { t, cost };
          }
  return best?.t;
}

/** Counted traffic of the unfused pair: the depthwise kernel, then the pointwise GEMM reading its output. */
export function dwThenPwTraffic(g: DwPwGeometry, limits: Readonly<Record<string, number>>, residual = false): number {
  const d = g.dw;
  const m = d.n * d.oh * d.ow;
  const t = gemmTile(m, g.n, d.cout, limits);
  return depthwiseTraffic(d, planDepthwise(d, limits)) + gemmTraffic(m, g.n, d.cout, t, residual);
}

/**
 * Whether the fused kernel beats the two dispatches, by the counted traffic of both (the traffic model of
 * bench/traffic.ts, checked against it by test/gpu-traffic.test.ts). On a software adapter every load costs the
 * same wherever it hits, and a register-variant fused kernel (scalar gathers, no column reuse) measured 2-25×
 * slower than the register depthwise + pointwise pair on MobileNetV2's pairs (SwiftShader), so there the pair
 * runs and the fused kernel has no register variant.
 */
export function dwPwWins(g: DwPwGeometry, variant: KernelVariant, limits: Readonly<Record<string, number>>, residual = false): boolean {
  if (variant !== 'tiled') return false;
  const t = planDwPw(g, limits);
  return !!t && dwPwTraffic(g, t, residual) < dwThenPwTraffic(g, limits, residual);
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
  /** wd and wp hold f16 elements (packFloat16; the device having shader-f16) */
  wF16?: boolean;
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
  const t = planDwPw(g, ctx.limits);
  if (!t)
    throw new GpuError(`fused depthwise ${d.kh}x${d.kw} -> pointwise (${label}): no tile fits maxComputeWorkgroupStorageSize ${ctx.limits.maxComputeWorkgroupStorageSize}`, 'GPU_UNSUPPORTED');
  const tilesX = Math.ceil(d.ow / t.TX);
  const tilesY = Math.ceil(d.oh / t.TY);
  const tilesN = Math.ceil(g.n / t.TN);
  const groups = tilesX * tilesY * d.n * tilesN;
  const params = ctx.uniform(
    DWPW_PARAMS,
    {
      h: d.h, w: d.w, c: d.c, mult: d.cout / d.c, oh: d.oh, ow: d.ow,
      stride_y: d.strides[0], stride_x: d.strides[1], dil_y: d.dilations[0], dil_x: d.dilations[1], pad_t: d.pads[0], pad_l: d.pads[1],
      m, k: d.cout, k4: Math.ceil(d.cout / 4), n: g.n, n4, tiles_x: tilesX, tiles_y: tilesY, tiles_n: tilesN, groups,
      ...pa.params, dw_act_a: da.params.act_a, dw_act_b: da.params.act_b,
    },
    `${label}.params`,
  );
  const x4 = d.c % 4 === 0;
  // the fused kernel is the tiled variant's (src/gpu/fuse-dwpw.ts)
  const st = ioStorage(ctx, 'tiled', `FusedDwPw "${label}"`, bufs.x, bufs.y, bufs.residual);
  const def = dwpwShader(!!bufs.residual, { wF16: bufs.wF16, x4, y4: g.n % 4 === 0, ...st });
  const constants = { KH: d.kh, KW: d.kw, ...pa.constants, ACT_DW: da.constants.ACT, ...t, MULT1: d.cout === d.c ? 1 : 0, X4: x4 ? 1 : 0 };
  const pipeline = await ctx.pipeline(def, constants);
  const base = [params, bufs.x, bufs.wd, bufs.bd, bufs.wp, bufs.bp, bufs.y];
  return { pipeline, bindings: bufs.residual ? [...base, bufs.residual] : base, workgroups: grid(groups, ctx.limits), label };
}
