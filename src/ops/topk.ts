import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

export interface TopKAttrs {
  axis: number;
  k: number;
  largest: boolean;
  outShape: number[];
}

/**
 * The k largest (or smallest) elements along `axis` and their indices, sorted, ties to the lower index (ONNX
 * TopK, TF TopKV2). K is a constant input. Indices are float values of integers at run time, integers when folded.
 */
export const TopK = defineOp<TopKAttrs>({
  op: 'TopK',
  parse(ctx) {
    const xs = ctx.shape(0);
    const r = xs.length;
    const raw = ctx.int('axis', -1);
    if (r === 0 || raw < -r || raw >= r) throw ctx.error(`axis ${raw} is out of range for input ${shapeStr(xs)}`);
    const axis = raw < 0 ? raw + r : raw;
    const kv = ctx.constInts(1, 'K');
    if (!kv || kv.length !== 1) throw ctx.error('K must be a single value');
    const k = kv[0]!;
    if (!Number.isInteger(k) || k < 0 || k > xs[axis]!) throw ctx.error(`K = ${k} must be in [0, ${xs[axis]}] (dimension ${axis} of ${shapeStr(xs)})`);
    if (ctx.int('sorted', 1) === 0) throw ctx.error('sorted=0 is not supported');
    const outShape = xs.map((d, i) => (i === axis ? k : d));
    return { axis, k, largest: ctx.int('largest', 1) !== 0, outShape };
  },
  outputShapes: (_ctx, a) => [a.outShape, a.outShape],
  reference(inputs: readonly Value[], a) {
    const x = asFloat(inputs[0]);
    const n = x.shape[a.axis]!;
    const inner = sizeOf(x.shape.slice(a.axis + 1));
    const outer = sizeOf(x.shape.slice(0, a.axis));
    const values = new Float32Array(outer * a.k * inner);
    const indices = new Float64Array(values.length);
    const order = Array.from({ length: n }, (_, j) => j);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => x.data[(o * n + j) * inner + i]!;
        // stable sort: equal values keep index order
        const sorted = order.slice().sort((p, q) => {
          const d = a.largest ? at(q) - at(p) : at(p) - at(q);
          return d > 0 ? 1 : d < 0 ? -1 : p - q;
        });
        for (let j = 0; j < a.k; j++) {
          const w = (o * a.k + j) * inner + i;
          values[w] = at(sorted[j]!);
          indices[w] = sorted[j]!;
        }
      }
    return [{ shape: a.outShape, data: values }, { shape: a.outShape, ints: indices }];
  },
});
