import { isInt, type Value } from '../graph/ir.js';
import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import { defineOp } from './types.js';

/** A tensor of the shape given by input 0, filled with the 1-element `value` attribute (default float 0) in its dtype. */
export const ConstantOfShape = defineOp<{ shape: Shape; value: number; int: boolean }>({
  op: 'ConstantOfShape',
  parse(ctx) {
    const shape = ctx.constInts(0, 'shape');
    if (shape === undefined) throw ctx.error('input 0 (shape) is required');
    if (ctx.shape(0).length !== 1) throw ctx.error(`shape input must be 1-D, got ${shapeStr(ctx.shape(0))}`);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw ctx.error(`invalid shape [${shape.join(', ')}]`);
    const v = ctx.tensorAttr('value');
    if (v === undefined) return { shape, value: 0, int: false };
    const vals = isInt(v) ? v.ints : v.data;
    if (vals.length !== 1) throw ctx.error(`attribute value must hold one element, got ${vals.length}`);
    return { shape, value: vals[0]!, int: isInt(v) };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference(_inputs, { shape, value, int }): Value[] {
    const n = sizeOf(shape);
    return [int ? { shape, ints: new Float64Array(n).fill(value) } : { shape, data: new Float32Array(n).fill(value) }];
  },
});
