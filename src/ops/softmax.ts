import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

/** Softmax over `outer × n × inner` with the max subtracted first; see `parse` for the opset split. */
export interface SoftmaxAttrs {
  axis: number;
  /** Opset < 13: the input is coerced to 2-D at `axis` and normalised over the whole flattened tail. */
  legacy: boolean;
}

export const Softmax = defineOp<SoftmaxAttrs>({
  op: 'Softmax',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    const legacy = ctx.opset < 13;
    const axis = ctx.int('axis', legacy ? 1 : -1);
    if (axis < -r || axis >= r) throw ctx.error(`axis ${axis} is out of range [${-r}, ${r - 1}] for input ${shapeStr(s)}`);
    return { axis: axis < 0 ? axis + r : axis, legacy };
  },
  outputShapes: (ctx) => [ctx.shape(0)],
  reference(inputs: readonly Value[], { axis, legacy }) {
    const x = asFloat(inputs[0]);
    const s = x.shape;
    const outer = sizeOf(s.slice(0, axis));
    const n = legacy ? sizeOf(s.slice(axis)) : s[axis]!;
    const inner = legacy ? 1 : sizeOf(s.slice(axis + 1));
    const src = x.data;
    const y = new Float32Array(src.length);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let m = -Infinity;
        for (let k = 0; k < n; k++) m = Math.max(m, src[base + k * inner]!);
        let sum = 0;
        for (let k = 0; k < n; k++) {
          const e = Math.exp(src[base + k * inner]! - m);
          y[base + k * inner] = e;
          sum += e;
        }
        for (let k = 0; k < n; k++) y[base + k * inner] = y[base + k * inner]! / sum;
      }
    return [{ shape: s, data: y }];
  },
});
