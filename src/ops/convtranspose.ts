import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp, type NodeCtx } from './types.js';
import { effectiveKernel } from './window.js';

/** Everything a ConvTranspose kernel needs besides the tensors; pads already resolved from output_shape/auto_pad. */
export interface ConvTransposeAttrs {
  group: number;
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right]; negative when output_shape asks for more than the full transposed extent. */
  pads: [number, number, number, number];
  kernel: [number, number];
  hasBias: boolean;
  outShape: [number, number, number, number];
}

function pair(ctx: NodeCtx, name: string, fallback: number, min: number): [number, number] {
  const v = ctx.ints(name, [fallback, fallback]);
  if (v.length !== 2 || v.some((x) => x < min))
    throw ctx.error(`attribute ${name} must be 2 integers >= ${min} for a 2-D ConvTranspose, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/** The pads that give `out` along one axis, split as the ONNX spec says (the odd unit at the start unless SAME_UPPER). */
function padsFor(total: number, upper: boolean): [number, number] {
  const half = Math.trunc(total / 2);
  return upper ? [half, total - half] : [total - half, half];
}

/**
 * 2-D transposed convolution (the gradient of Conv w.r.t. its input; TF's Conv2DBackpropInput), NCHW, weight
 * [Cin, Cout/group, kH, kW], optional bias [Cout]. Output extent per axis:
 * stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − pad_begin − pad_end; with output_shape (or auto_pad
 * SAME_*, which asks for in·stride) the pads follow from the requested extent.
 */
export const ConvTranspose = defineOp<ConvTransposeAttrs>({
  op: 'ConvTranspose',
  parse(ctx) {
    const xs = ctx.shape(0);
    const ws = ctx.shape(1);
    if (xs.length !== 4) throw ctx.error(`only 2-D ConvTranspose is supported: input must be 4-D NCHW, got ${shapeStr(xs)}`);
    if (ws.length !== 4) throw ctx.error(`weight must be 4-D [Cin, Cout/group, kH, kW], got ${shapeStr(ws)}`);
    const group = ctx.int('group', 1);
    if (group < 1) throw ctx.error(`group must be >= 1, got ${group}`);
    const [cin, opg, kh, kw] = ws as [number, number, number, number];
    if (xs[1] !== cin) throw ctx.error(`input ${shapeStr(xs)} has ${xs[1]} channels but weight ${shapeStr(ws)} expects ${cin}`);
    if (cin % group !== 0) throw ctx.error(`input channels ${cin} are not divisible by group=${group}`);
    const ks = ctx.ints('kernel_shape');
    if (ks !== undefined && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw))
      throw ctx.error(`kernel_shape [${ks.join(', ')}] does not match weight ${shapeStr(ws)}`);
    const cout = opg * group;
    const hasBias = ctx.has(2);
    if (hasBias) {
      const bs = ctx.shape(2);
      if (bs.length !== 1 || bs[0] !== cout) throw ctx.error(`bias ${shapeStr(bs)} must be [${cout}]`);
    }
    const strides = pair(ctx, 'strides', 1, 1);
    const dilations = pair(ctx, 'dilations', 1, 1);
    const outPad = pair(ctx, 'output_padding', 0, 0);
    outPad.forEach((p, k) => {
      if (p >= Math.max(strides[k]!, dilations[k]!))
        throw ctx.error(`output_padding [${outPad.join(', ')}] must be smaller than the stride or dilation`);
    });
    const kernel: [number, number] = [kh, kw];
    const inHW = [xs[2]!, xs[3]!];
    const full = inHW.map((d, k) => strides[k]! * (d - 1) + outPad[k]! + effectiveKernel(kernel[k]!, dilations[k]!));
    const autoPad = ctx.string('auto_pad', 'NOTSET');
    if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad))
      throw ctx.error(`auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got "${autoPad}"`);
    let want = ctx.ints('output_shape');
    if (want !== undefined) {
      if (want.length === 4) want = want.slice(2);
      if (want.length !== 2 || want.some((d) => d < 1))
        throw ctx.error(`output_shape [${want.join(', ')}] must give 2 positive spatial dims`);
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') want = inHW.map((d, k) => d * strides[k]!);
    let pads: [number, number, number, number];
    if (want !== undefined) {
      const [t, b] = padsFor(full[0]! - want[0]!, autoPad === 'SAME_UPPER');
      const [l, r] = padsFor(full[1]! - want[1]!, autoPad === 'SAME_UPPER');
      pads = [t, l, b, r];
    } else if (autoPad === 'VALID') pads = [0, 0, 0, 0];
    else {
      const p = ctx.ints('pads', [0, 0, 0, 0]);
      if (p.length !== 4 || p.some((x) => x < 0))
        throw ctx.error(`attribute pads must be 4 non-negative values [top, left, bottom, right], got [${p.join(', ')}]`);
      pads = [p[0]!, p[1]!, p[2]!, p[3]!];
    }
    const oh = full[0]! - pads[0] - pads[2];
    const ow = full[1]! - pads[1] - pads[3];
    if (oh < 1 || ow < 1) throw ctx.error(`pads [${pads.join(', ')}] leave no output (would be [${oh}, ${ow}])`);
    return { group, strides, dilations, pads, kernel, hasBias, outShape: [xs[0]!, cout, oh, ow] };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  cost(ins, _outs, a) {
    const params = sizeOf(ins[1]!) + (a.hasBias ? sizeOf(ins[2]!) : 0);
    // every input pixel meets every weight once
    return { params, macs: sizeOf(ins[1]!) * ins[0]![0]! * ins[0]![2]! * ins[0]![3]! };
  },
  reference(inputs: readonly Value[], a) {
    const { x, w, bias } = convTransposeOperands(inputs, a);
    const [N, Cin, H, W] = x.shape as [number, number, number, number];
    const [, og, kh, kw] = w.shape as [number, number, number, number];
    const [, Cout, Ho, Wo] = a.outShape;
    const cpg = Cin / a.group;
    const acc = new Float64Array(sizeOf(a.outShape));
    for (let n = 0; n < N; n++)
      for (let ic = 0; ic < Cin; ic++) {
        const g = Math.floor(ic / cpg);
        for (let iy = 0; iy < H; iy++)
          for (let ix = 0; ix < W; ix++) {
            const v = x.data[((n * Cin + ic) * H + iy) * W + ix]!;
            for (let o = 0; o < og; o++)
              for (let ky = 0; ky < kh; ky++)
                for (let kx = 0; kx < kw; kx++) {
                  const oy = iy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
                  const ox = ix * a.strides[1] - a.pads[1] + kx * a.dilations[1];
                  if (oy < 0 || oy >= Ho || ox < 0 || ox >= Wo) continue;
                  const oc = g * og + o;
                  acc[((n * Cout + oc) * Ho + oy) * Wo + ox] += v * w.data[((ic * og + o) * kh + ky) * kw + kx]!;
                }
          }
      }
    const y = new Float32Array(acc.length);
    for (let i = 0; i < y.length; i++) y[i] = acc[i]! + (bias ? bias[Math.floor(i / (Ho * Wo)) % Cout]! : 0);
    return [{ shape: a.outShape, data: y }];
  },
});

export function convTransposeOperands(inputs: readonly Value[], a: ConvTransposeAttrs) {
  return {
    x: asFloat(inputs[0], 'ConvTranspose input'),
    w: asFloat(inputs[1], 'ConvTranspose weight'),
    bias: a.hasBias ? asFloat(inputs[2], 'ConvTranspose bias').data : undefined,
  };
}

/** [Cin, og, kh, kw] -> [group][ky][kx][ic in group][o]: contiguous over the output channels of one tap. */
export function packWeights(w: Float32Array, cin: number, og: number, kh: number, kw: number, group: number): Float32Array {
  const cpg = cin / group;
  const out = new Float32Array(w.length);
  for (let ic = 0; ic < cin; ic++) {
    const g = Math.floor(ic / cpg);
    const c = ic % cpg;
    for (let o = 0; o < og; o++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          out[((((g * kh + ky) * kw + kx) * cpg + c) * og) + o] = w[((ic * og + o) * kh + ky) * kw + kx]!;
  }
  return out;
}
