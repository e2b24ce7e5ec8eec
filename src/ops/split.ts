import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { allocLike, elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

export interface SplitAttrs {
  axis: number;
  sizes: number[];
}

/**
 * Splits along `axis` into sizes from attribute `split` (opset < 13) or constant input 1 (opset >= 13); without
 * them, into equal parts, one per output (opset 18 `num_outputs`: ceil-sized parts, the last one smaller).
 */
export const Split = defineOp<SplitAttrs>({
  op: 'Split',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    const raw = ctx.int('axis', 0);
    if (raw < -r || raw >= r) throw ctx.error(`axis ${raw} is out of range [${-r}, ${r - 1}] for input ${shapeStr(s)}`);
    const axis = raw < 0 ? raw + r : raw;
    const dim = s[axis]!;
    const nOut = ctx.node.outputs.length;
    let sizes = ctx.opset < 13 ? ctx.ints('split') : ctx.constInts(1, 'split');
    if (sizes !== undefined) {
      if (sizes.length !== nOut) throw ctx.error(`split [${sizes.join(', ')}] has ${sizes.length} entries for ${nOut} outputs`);
      if (sizes.some((d) => !Number.isInteger(d) || d < 0) || sizes.reduce((a, b) => a + b, 0) !== dim)
        throw ctx.error(`split [${sizes.join(', ')}] must be non-negative and sum to dimension ${axis} of input ${shapeStr(s)} (${dim})`);
      return { axis, sizes };
    }
    const num = ctx.opset >= 18 ? ctx.int('num_outputs') : undefined;
    if (num !== undefined) {
      if (num < 1 || num !== nOut) throw ctx.error(`num_outputs ${num} does not match the node's ${nOut} outputs`);
      const part = Math.ceil(dim / num);
      sizes = Array.from({ length: num }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
      return { axis, sizes };
    }
    if (nOut < 1 || dim % nOut !== 0)
      throw ctx.error(`dimension ${axis} of input ${shapeStr(s)} (${dim}) cannot be split into ${nOut} equal parts`);
    return { axis, sizes: new Array<number>(nOut).fill(dim / nOut) };
  },
  outputShapes: (ctx, a) =>
    a.sizes.map((d) => {
      const o = [...ctx.shape(0)];
      o[a.axis] = d;
      return o;
    }),
  reference(inputs: readonly Value[], { axis, sizes }) {
    const x = inputs[0]!;
    const src = elems(x);
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const row = x.shape[axis]! * inner;
    let col = 0;
    return sizes.map((d) => {
      const shape = [...x.shape];
      shape[axis] = d;
      const w = d * inner;
      const dst = allocLike(x, outer * w);
      for (let o = 0; o < outer; o++) dst.set(src.subarray(o * row + col, o * row + col + w), o * w);
      col += w;
      return withData(x, shape, dst);
    });
  },
});
