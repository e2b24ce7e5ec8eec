import { shapeStr, sizeOf, stridesOf } from '../tensor.js';
import type { Value } from '../graph/ir.js';
import { asFloat, defineOp } from './types.js';

export interface ReduceMeanAttrs {
  /** Sorted, non-negative axes to reduce; empty means identity (noop_with_empty_axes). */
  axes: number[];
  keepdims: boolean;
  outShape: number[];
}

/** Mean over `axes` (attribute before opset 18, constant input 1 from opset 18); all axes when none given. */
export const ReduceMean = defineOp<ReduceMeanAttrs>({
  op: 'ReduceMean',
  parse(ctx) {
    const xs = ctx.shape(0);
    const r = xs.length;
    const given = ctx.ints('axes') ?? ctx.constInts(1, 'axes');
    const keepdims = ctx.int('keepdims', 1) !== 0;
    let axes: number[];
    if (given === undefined || given.length === 0) {
      axes = ctx.int('noop_with_empty_axes', 0) !== 0 ? [] : xs.map((_, i) => i);
    } else {
      axes = given.map((a) => {
        if (a < -r || a >= r) throw ctx.error(`axis ${a} is out of range for input ${shapeStr(xs)}`);
        return a < 0 ? a + r : a;
      });
      if (new Set(axes).size !== axes.length) throw ctx.error(`axes [${given.join(', ')}] repeat an axis`);
      axes.sort((p, q) => p - q);
    }
    const outShape: number[] = [];
    xs.forEach((d, i) => {
      if (!axes.includes(i)) outShape.push(d);
      else if (keepdims) outShape.push(1);
    });
    return { axes, keepdims, outShape };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  reference: (inputs, a) => reduceReference(inputs, a),
  fast(inputs, a) {
    const x = asFloat(inputs[0]);
    const r = x.shape.length;
    const trailing = a.axes.length > 0 && a.axes.every((ax, i) => ax === r - a.axes.length + i);
    if (!trailing) return reduceReference(inputs, a);
    // reducing a trailing block: each output is the mean of one contiguous run
    const inner = sizeOf(x.shape.slice(r - a.axes.length));
    const outN = x.data.length / Math.max(inner, 1);
    const y = new Float32Array(outN);
    for (let o = 0; o < outN; o++) {
      let s = 0;
      for (let i = o * inner; i < (o + 1) * inner; i++) s += x.data[i]!;
      y[o] = s / inner;
    }
    return [{ shape: a.outShape, data: y }];
  },
});

/** Generic reduction over any axes set: accumulate each input element into its output cell. */
function reduceReference(inputs: readonly Value[], a: ReduceMeanAttrs): Value[] {
  const x = asFloat(inputs[0]);
  const xs = x.shape;
  if (a.axes.length === 0) return [{ shape: a.outShape, data: x.data.slice() }];
  // output index as seen from the input: reduced axes collapse to 0
  const kept = xs.map((d, i) => (a.axes.includes(i) ? 1 : d));
  const ks = stridesOf(kept);
  const outN = sizeOf(kept);
  const sum = new Float64Array(outN);
  const xStr = stridesOf(xs);
  for (let f = 0; f < x.data.length; f++) {
    let o = 0;
    for (let d = 0; d < xs.length; d++) if (kept[d] !== 1) o += (Math.floor(f / xStr[d]!) % xs[d]!) * ks[d]!;
    sum[o] += x.data[f]!;
  }
  const count = x.data.length / Math.max(outN, 1);
  const y = new Float32Array(outN);
  for (let i = 0; i < outN; i++) y[i] = sum[i]! / count;
  return [{ shape: a.outShape, data: y }];
}
