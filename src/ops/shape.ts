import { intTensor, type Value } from '../graph/ir.js';
import type { Shape as Dims } from '../tensor.js';
import { defineOp } from './types.js';

/** The input's dims [start, end) as an integer vector; start/end (opset 15) are clamped to [0, rank]. */
export const Shape = defineOp<{ start: number; end: number }>({
  op: 'Shape',
  parse(ctx) {
    const r = ctx.shape(0).length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    return { start: clamp(ctx.int('start', 0)), end: clamp(ctx.int('end', r)) };
  },
  outputShapes: (_ctx, a) => [[Math.max(0, a.end - a.start)]],
  foldFromShapes: (ctx, a) => [dims(ctx.shape(0), a)],
  reference: (inputs: readonly Value[], a) => [dims(inputs[0]!.shape, a)],
});

function dims(s: Dims, { start, end }: { start: number; end: number }): Value {
  const d = s.slice(start, Math.max(start, end));
  return intTensor([d.length], d);
}
