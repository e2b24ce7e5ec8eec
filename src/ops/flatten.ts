import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import { elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

/** Reshapes to 2-D: [prod(dims before axis), prod(dims from axis)]; axis in [-r, r], default 1. */
export const Flatten = defineOp<{ shape: Shape }>({
  op: 'Flatten',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    const axis = ctx.int('axis', 1);
    if (axis < -r || axis > r) throw ctx.error(`axis ${axis} is out of range [${-r}, ${r}] for input ${shapeStr(s)}`);
    const a = axis < 0 ? axis + r : axis;
    return { shape: [sizeOf(s.slice(0, a)), sizeOf(s.slice(a))] };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference: (inputs: readonly Value[], a) => [withData(inputs[0]!, a.shape, elems(inputs[0]!))],
});
