import convTransposeWgsl from '../../../shaders/convtranspose.wgsl?raw';
import { GpuError } from '../../errors.js';
import { defineParams } from '../params.js';
import { gemmDispatch } from '../kernels/gemm.js';
import type { Dispatch, GpuBuildCtx, GpuNodeProgram, GpuProgram } from '../program.js';
import type { ResolvedNode } from '../../graph/resolve.js';
import { NO_ACTIVATION } from '../../ops/activation.js';
import { shader } from '../shader.js';
import { asFloat } from '../../ops/types.js';
import { sizeOf } from '../../tensor.js';
import { copyDispatch, grid1D, WG } from './copy.gpu.js';
import { packWeights, type ConvTransposeAttrs } from '../../ops/convtranspose.js';

const params = defineParams([
  ['total', 'u32'],
  ['cin', 'u32'],
  ['cout', 'u32'],
  ['og', 'u32'],
  ['groups', 'u32'],
  ['h', 'u32'],
  ['w', 'u32'],
  ['oh', 'u32'],
  ['ow', 'u32'],
  ['kh', 'u32'],
  ['kw', 'u32'],
  ['stride_h', 'u32'],
  ['stride_w', 'u32'],
  ['dil_h', 'u32'],
  ['dil_w', 'u32'],
  ['pad_t', 'i32'],
  ['pad_l', 'i32'],
  ['pad_bias', 'i32'],
  ['row', 'u32'],
]);
const convTransposeShader = shader('convtranspose', convTransposeWgsl, params);

/**
 * Per axis and output phase p = (o + pad) mod stride: the taps k whose (o + pad − k·dil) is a multiple of the
 * stride, as rows [count, k...] padded to 1 + kmax entries (H phases first, then W phases).
 */
export function tapTable(a: ConvTransposeAttrs): { table: Uint32Array; row: number } {
  const row = 1 + Math.max(...a.kernel);
  const table = new Uint32Array((a.strides[0] + a.strides[1]) * row);
  let r = 0;
  for (const ax of [0, 1]) {
    const s = a.strides[ax]!;
    for (let p = 0; p < s; p++, r++) {
      const ks = Array.from({ length: a.kernel[ax]! }, (_, k) => k).filter((k) => (((p - k * a.dilations[ax]!) % s) + s) % s === 0);
      table[r * row] = ks.length;
      ks.forEach((k, j) => (table[r * row + 1 + j] = k));
    }
  }
  return { table, row };
}

function constantInput(ctx: GpuBuildCtx, i: number, name: string, what: string): Float32Array {
  const v = ctx.constant(i);
  if (v === undefined)
    throw new GpuError(`ConvTranspose node "${name}": the ${what} must be a constant known at load time on the GPU`, 'GPU_UNSUPPORTED');
  return asFloat(v).data;
}

/**
 * Kernel = stride, no dilation, pads or output_padding (TF's 2×2/stride-2 upsamplers): every output pixel has
 * exactly one tap, so y = pixel shuffle of one GEMM Z[pixels, (ky, kx, oc)] = X[pixels, cin] · W[cin, (ky, kx, oc)]
 * (+ bias), run by the pointwise GEMM kernel into scratch and interleaved into y by one strided copy.
 */
export function isPatchUpsample(a: ConvTransposeAttrs, inHW: readonly number[]): boolean {
  return a.group === 1 && a.kernel[0] === a.strides[0] && a.kernel[1] === a.strides[1] && a.dilations.every((d) => d === 1) &&
    a.pads.every((p) => p === 0) && a.outShape[2] === a.strides[0] * inHW[0]! && a.outShape[3] === a.strides[1] * inHW[1]!;
}

/**
 * Z[pixels, (ky, kx, oc)] = X[pixels, cin] · W[cin, (ky, kx, oc)] (+ bias per tap when `bias` is given) into a
 * scratch buffer, by the pointwise GEMM kernel (group 1); B is exactly the packed weights (bConst), so the register
 * kernel may index them with literals (0.71× on the landscape segmenter's 16 -> 2×2×1 upsampler).
 */
async function patchGemm(rn: ResolvedNode, ctx: GpuBuildCtx, weights: Float32Array, bias: Float32Array | undefined) {
  const a = rn.attrs as ConvTransposeAttrs;
  const [n, cin, h, w] = rn.inputShapes[0]! as [number, number, number, number];
  const cout = a.outShape[1];
  const taps = a.kernel[0] * a.kernel[1];
  const cols = taps * cout;
  // W [cin, cout, kh, kw] -> B [cin, (ky, kx, oc)]
  const b = new Float32Array(cin * cols);
  for (let c = 0; c < cin; c++)
    for (let o = 0; o < cout; o++)
      for (let t = 0; t < taps; t++) b[c * cols + t * cout + o] = weights[(c * cout + o) * taps + t]!;
  const bc = new Float32Array(cols);
  if (bias) for (let t = 0; t < taps; t++) bc.set(bias, t * cout);
  const z = ctx.scratch(n * h * w * cols * 4, `${rn.node.name}.patches`);
  const gemm = await gemmDispatch(
    ctx,
    {
      m: n * h * w, n: cols, k: cin,
      a: { kind: 'input', index: 0 }, aStrides: [cin, 1],
      b: ctx.constBuffer(b, `${rn.node.name}.w`), bStrides: [cols, 1], bConst: true,
      y: z, yStrides: [cols, 1],
      c: { ref: ctx.constBuffer(bc, `${rn.node.name}.b`), strides: [0, 1], beta: 1 },
      act: NO_ACTIVATION,
    },
    rn.node.name,
  );
  return { z, cols, gemm };
}

async function patchUpsample(rn: ResolvedNode, ctx: GpuBuildCtx, weights: Float32Array, bias: Float32Array): Promise<GpuNodeProgram> {
  const a = rn.attrs as ConvTransposeAttrs;
  const name = rn.node.name;
  const [n, , h, w] = rn.inputShapes[0]! as [number, number, number, number];
  const [, cout, , ow] = a.outShape;
  const [sh, sw] = a.strides;
  const { z, cols, gemm } = await patchGemm(rn, ctx, weights, bias);
  // index space [n, iy, ky, ix, kx, oc] -> y[n, iy·sh + ky, ix·sw + kx, oc] (NHWC)
  const plan = {
    sizes: [n, h, sh, w, sw, cout],
    src: [h * w * cols, w * cols, sw * cout, cols, cout, 1],
    dst: [sh * h * ow * cout, sh * ow * cout, ow * cout, sw * cout, cout, 1],
  };
  const shuffle = await copyDispatch(ctx, plan, z, { kind: 'output', index: 0 }, `${name}.shuffle`);
  return { dispatches: [gemm, shuffle].filter((d): d is Dispatch => d !== undefined) };
}

const convTransposeProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as ConvTransposeAttrs;
    const total = sizeOf(a.outShape);
    if (total === 0) return { dispatches: [] };
    const name = rn.node.name;
    const [, cin, h, w] = rn.inputShapes[0]! as [number, number, number, number];
    const [, og, kh, kw] = rn.inputShapes[1]! as [number, number, number, number];
    const [, cout, oh, ow] = a.outShape;
    const raw = constantInput(ctx, 1, name, 'weight');
    const bias = a.hasBias ? constantInput(ctx, 2, name, 'bias') : new Float32Array(cout);
    if (isPatchUpsample(a, [h, w])) return patchUpsample(rn, ctx, raw, bias);
    // group 1: GEMM into Z, then the gather kernel adds each output's valid taps of Z (col2im)
    const col2im = a.group === 1 ? await patchGemm(rn, ctx, raw, undefined) : undefined;
    const weights = col2im ? new Float32Array(1) : packWeights(raw, cin, og, kh, kw, a.group);
    const { table, row } = tapTable(a);
    // a multiple of both strides at least as large as any negative pad
    const period = a.strides[0] * a.strides[1];
    const padBias = period * Math.ceil(Math.max(0, -a.pads[0], -a.pads[1]) / period);
    const values = {
      total, cin: col2im ? col2im.cols : cin, cout, og, groups: a.group, h, w, oh, ow, kh, kw,
      stride_h: a.strides[0], stride_w: a.strides[1], dil_h: a.dilations[0], dil_w: a.dilations[1], pad_t: a.pads[0], pad_l: a.pads[1],
      pad_bias: padBias, row,
    };
    const gather: Dispatch = {
      pipeline: await ctx.pipeline(convTransposeShader, { WG, COL2IM: col2im ? 1 : 0 }),
      bindings: [
        ctx.uniform(params, values, `${name}.params`),
        col2im ? col2im.z : { kind: 'input', index: 0 },
        ctx.constBuffer(weights, `${name}.w`),
        ctx.constBuffer(bias, `${name}.b`),
        ctx.constBuffer(table, `${name}.taps`),
        { kind: 'output', index: 0 },
      ],
      workgroups: grid1D(total, ctx),
      label: name,
    };
    return { dispatches: col2im?.gemm ? [col2im.gemm, gather] : [gather] };
  },
};

export const convTransposeGpu: [string, GpuProgram][] = [['ConvTranspose', convTransposeProgram]];
