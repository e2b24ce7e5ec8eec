import type { Value } from '../graph/ir.js';
import type { Shape } from '../tensor.js';
import { Conv, type ConvAttrs } from './conv.js';
import { defineOp, type Cost } from './types.js';

/**
 * A depthwise Conv followed by the pointwise (1x1) Conv that alone reads its output, as one node:
 *   y = pw(dw(x))   inputs [x, dw weight, dw bias | '', pw weight, pw bias | '', residual (when pw.residual)]
 * The optimizer creates it (src/graph/optimize.ts fuseDwPw); a model file cannot name it.
 */
export interface DwPwAttrs {
  dw: ConvAttrs;
  pw: ConvAttrs;
}

export const FUSED_DWPW = 'FusedDwPw';

/** The depthwise output shape (never materialised by the fused kernels). */
export function dwOutputShape(x: Shape, dwW: Shape, a: ConvAttrs): Shape {
  const out = (i: number, k: number, s: number, d: number, p0: number, p1: number) => Math.floor((i + p0 + p1 - (k - 1) * d - 1) / s) + 1;
  return [
    x[0]!, dwW[0]!,
    out(x[2]!, dwW[2]!, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]),
    out(x[3]!, dwW[3]!, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]),
  ];
}

/** The depthwise conv's inputs and, given its output, the pointwise conv's (for running the pair as two Convs). */
export function splitDwPw(inputs: readonly Value[], a: DwPwAttrs): { dwIn: Value[]; pwIn: (mid: Value) => Value[] } {
  const none: Value = { shape: [0], data: new Float32Array(0) };
  const bias = (i: number, has: boolean) => (has ? inputs[i]! : none);
  return {
    dwIn: [inputs[0]!, inputs[1]!, bias(2, a.dw.hasBias)],
    pwIn: (mid) => [mid, inputs[3]!, bias(4, a.pw.hasBias), ...(a.pw.residual ? [inputs[5]!] : [])],
  };
}

export const FusedDwPw = defineOp<DwPwAttrs>({
  op: FUSED_DWPW,
  parse(ctx) {
    throw ctx.error('FusedDwPw is created by the optimizer from a depthwise and a pointwise Conv; a model cannot contain it');
  },
  outputShapes(ctx) {
    throw ctx.error('FusedDwPw is created by the optimizer; it is never resolved from a model');
  },
  cost(ins, outs, a): Cost {
    const mid = dwOutputShape(ins[0]!, ins[1]!, a.dw);
    const dw = Conv.cost!([ins[0]!, ins[1]!, ...(a.dw.hasBias ? [ins[2]!] : [])], [mid], a.dw);
    const pw = Conv.cost!([mid, ins[3]!, ...(a.pw.hasBias ? [ins[4]!] : [])], outs, a.pw);
    return { params: dw.params + pw.params, macs: dw.macs + pw.macs };
  },
  reference(inputs, a) {
    const { dwIn, pwIn } = splitDwPw(inputs, a);
    return Conv.reference(pwIn(Conv.reference(dwIn, a.dw)[0]!), a.pw);
  },
});
