import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, type Tensor } from '../tensor.js';
import { applyActivation, applyActivationRange, NO_ACTIVATION, type FusedActivation } from './activation.js';
import { asFloat, defineOp } from './types.js';
import { outputSize, parseWindow2D, windowOutput } from './window.js';

/** Everything a Conv kernel (CPU or GPU) needs besides the tensors; pads already resolved from auto_pad. */
export interface ConvAttrs {
  group: number;
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
  kernel: [number, number];
  hasBias: boolean;
  /** Fused epilogue after the bias; 'none' for a plain ONNX Conv. */
  act: FusedActivation;
  /** Set by the optimiser when it fuses a following Add: y = act(conv + bias) + input 3 (same shape as y). */
  residual?: boolean;
  /**
   * An activation after the fused residual: y = post(act(conv + bias) + input 3). Set by the optimiser for the CPU
   * backend only (optimize's `cpu` option); the GPU kernels refuse it.
   */
  post?: FusedActivation;
  /**
   * The residual (input 3) has only this many channels, the rest read as zero: a channel-padding Pad folded into
   * the residual read (the GPU's software-adapter pass src/gpu/fold-pad-residual.ts).
   */
  residualChannels?: number;
  /** The weight is known at load time (initializer or folded constant): kernels may keep a packed copy keyed by its array. */
  constWeights?: boolean;
}

/** 2-D convolution, NCHW, weight [Cout, Cin/group, kH, kW], optional bias [Cout]. */
export const Conv = defineOp<ConvAttrs>({
  op: 'Conv',
  parse(ctx) {
    const xs = ctx.shape(0);
    const ws = ctx.shape(1);
    if (xs.length !== 4)
      throw ctx.error(`only 2-D convolution is supported: input must be 4-D NCHW, got ${shapeStr(xs)}`);
    if (ws.length !== 4) throw ctx.error(`weight must be 4-D [Cout, Cin/group, kH, kW], got ${shapeStr(ws)}`);
    const group = ctx.int('group', 1);
    if (group < 1) throw ctx.error(`group must be >= 1, got ${group}`);
    const [cout, cpg, kh, kw] = ws as [number, number, number, number];
    const cin = xs[1]!;
    if (cin !== group * cpg)
      throw ctx.error(`input ${shapeStr(xs)} has ${cin} channels but weight ${shapeStr(ws)} with group=${group} expects ${group * cpg}`);
    if (cout % group !== 0)
      throw ctx.error(`output channels ${cout} of weight ${shapeStr(ws)} are not divisible by group=${group}`);
    const ks = ctx.ints('kernel_shape');
    if (ks !== undefined && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw))
      throw ctx.error(`kernel_shape [${ks.join(', ')}] does not match weight ${shapeStr(ws)}`);
    const hasBias = ctx.has(2);
    if (hasBias) {
      const bs = ctx.shape(2);
      if (bs.length !== 1 || bs[0] !== cout)
        throw ctx.error(`bias ${shapeStr(bs)} must be [${cout}] to match weight ${shapeStr(ws)}`);
    }
    const win = parseWindow2D(ctx, [kh, kw], [xs[2]!, xs[3]!]);
    return { group, ...win, hasBias, act: NO_ACTIVATION, ...(ctx.constant(1) ? { constWeights: true } : {}) };
  },
  outputShapes(ctx, a) {
    const xs = ctx.shape(0);
    const [oh, ow] = windowOutput(ctx, a, [xs[2]!, xs[3]!]);
    return [[xs[0]!, ctx.shape(1)[0]!, oh, ow]];
  },
  cost(ins, outs, a) {
    const params = sizeOf(ins[1]!) + (a.hasBias ? sizeOf(ins[2]!) : 0);
    const o = outs[0]!;
    return { params, macs: params * o[0]! * o[2]! * o[3]! };
  },
  reference(inputs, a) {
    const { x, w, bias, y } = convOperands(inputs, a);
    const [N, Cin, H, W] = x.shape as [number, number, number, number];
    const [Cout, cpg, kh, kw] = w.shape as [number, number, number, number];
    const [, , Ho, Wo] = y.shape as [number, number, number, number];
    const og = Cout / a.group;
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < Cout; oc++) {
        const g = Math.floor(oc / og);
        for (let oy = 0; oy < Ho; oy++)
          for (let ox = 0; ox < Wo; ox++) {
            let s = 0;
            for (let c = 0; c < cpg; c++)
              for (let ky = 0; ky < kh; ky++)
                for (let kx = 0; kx < kw; kx++) {
                  const iy = oy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
                  const ix = ox * a.strides[1] - a.pads[1] + kx * a.dilations[1];
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  const ic = g * cpg + c;
                  s += x.data[((n * Cin + ic) * H + iy) * W + ix]! * w.data[((oc * cpg + c) * kh + ky) * kw + kx]!;
                }
            if (bias) s += bias[oc]!;
            y.data[((n * Cout + oc) * Ho + oy) * Wo + ox] = applyActivation(s, a.act);
          }
      }
    return [convResidual(y, inputs, a)];
  },
});

/** Adds the fused residual input (and applies the activation after it) in place. */
export function convResidual(y: Tensor, inputs: readonly Value[], a: ConvAttrs): Tensor {
  if (!a.residual) return y;
  const r = asFloat(inputs[3], 'Conv residual').data;
  const [n, c] = y.shape as [number, number];
  const cr = a.residualChannels ?? c;
  if (r.length !== (y.data.length / c) * cr) throw new RangeError(`fused residual has ${r.length} values, the conv output ${y.data.length} (${cr} of ${c} channels)`);
  // NC…: residual channel k of image b lies at (b·cr + k)·plane
  const plane = y.data.length / (n * c);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < cr; k++) {
      const yo = (b * c + k) * plane;
      const ro = (b * cr + k) * plane;
      for (let p = 0; p < plane; p++) y.data[yo + p]! += r[ro + p]!;
    }
  if (a.post) applyActivationRange(y.data, 0, y.data.length, a.post);
  return y;
}

/** The operands, and an output of the conv's shape from `alloc`. */
export function convOperands(inputs: readonly Value[], a: ConvAttrs, alloc: (n: number) => Float32Array = (n) => new Float32Array(n)) {
  const x = asFloat(inputs[0], 'Conv input');
  const w = asFloat(inputs[1], 'Conv weight');
  const bias = a.hasBias ? asFloat(inputs[2], 'Conv bias').data : undefined;
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [Cout, , kh, kw] = w.shape as [number, number, number, number];
  const Ho = outputSize(H, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
  const Wo = outputSize(W, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
  const shape = [N, Cout, Ho, Wo];
  return { x, w, bias, y: { shape, data: alloc(sizeOf(shape)) } };
}

/** A pointwise conv: 1x1, stride 1, no pads, one group (a GEMM over the pixels). */
export function isPointwise(a: ConvAttrs): boolean {
  return a.group === 1 && a.kernel[0] === 1 && a.kernel[1] === 1 && a.strides[0] === 1 && a.strides[1] === 1 && a.pads.every((p) => p === 0);
}

export type ConvKernel = 'depthwise' | 'pointwise' | 'implicit-gemm';

/** Which kernel runs a Conv: depthwise (group = Cin, any multiplier), pointwise (1x1, stride 1, no pads, group 1), else implicit GEMM. */
export function convKernelFor(inputShape: readonly number[], a: ConvAttrs): ConvKernel {
  const cin = inputShape[1]!;
  if (a.group === cin && a.group > 1) return 'depthwise';
  if (isPointwise(a)) return 'pointwise';
  if (a.group === cin) return 'depthwise';
  return 'implicit-gemm';
}
