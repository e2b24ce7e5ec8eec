import type { Value } from '../graph/ir.js';
import { shapeStr, type Shape } from '../tensor.js';
import { elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

/** Drops the size-1 dims at `axes` (attribute before opset 13, optional constant input 1 after), or every size-1 dim. */
export const Squeeze = defineOp<{ shape: Shape }>({
  op: 'Squeeze',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    const axes = ctx.opset < 13 ? ctx.ints('axes') : ctx.constInts(1, 'axes');
    if (axes === undefined) return { shape: s.filter((d) => d !== 1) };
    const norm = axes.map((a) => (a < 0 ? a + r : a));
    if (norm.some((a) => a < 0 || a >= r) || new Set(norm).size !== norm.length)
      throw ctx.error(`axes [${axes.join(', ')}] must be distinct and in [${-r}, ${r - 1}] for input ${shapeStr(s)}`);
    const bad = norm.find((a) => s[a] !== 1);
    if (bad !== undefined) throw ctx.error(`cannot squeeze axis ${bad} of input ${shapeStr(s)}: its size is ${s[bad]}, not 1`);
    return { shape: s.filter((_, i) => !norm.includes(i)) };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference: (inputs: readonly Value[], a) => [withData(inputs[0]!, a.shape, elems(inputs[0]!))],
});
