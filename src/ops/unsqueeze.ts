import type { Value } from '../graph/ir.js';
import { shapeStr, type Shape } from '../tensor.js';
import { elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

/** Inserts size-1 dims at `axes` (attribute before opset 13, constant input 1 after), relative to the output rank. */
export const Unsqueeze = defineOp<{ shape: Shape }>({
  op: 'Unsqueeze',
  parse(ctx) {
    const s = ctx.shape(0);
    const axes = ctx.opset < 13 ? ctx.ints('axes') : ctx.constInts(1, 'axes');
    if (axes === undefined) throw ctx.error('axes are required');
    const r = s.length + axes.length;
    const norm = axes.map((a) => (a < 0 ? a + r : a));
    if (norm.some((a) => a < 0 || a >= r) || new Set(norm).size !== norm.length)
      throw ctx.error(`axes [${axes.join(', ')}] must be distinct and in [${-r}, ${r - 1}] for input ${shapeStr(s)}`);
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < r; i++) shape.push(norm.includes(i) ? 1 : s[k++]!);
    return { shape };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference: (inputs: readonly Value[], a) => [withData(inputs[0]!, a.shape, elems(inputs[0]!))],
});
