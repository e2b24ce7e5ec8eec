import type { Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { elems, type Elems } from './broadcast.js';
import { defineOp } from './types.js';

/** Joins inputs along `axis`; all ranks equal and all other dims equal. Integer if every input is (shape vectors). */
export const Concat = defineOp<{ axis: number }>({
  op: 'Concat',
  parse(ctx) {
    const shapes = ctx.node.inputs.map((_, i) => ctx.shape(i));
    if (shapes.length === 0) throw ctx.error('needs at least one input');
    const first = shapes[0]!;
    const r = first.length;
    const raw = ctx.int('axis');
    if (raw === undefined) throw ctx.error('attribute axis is required');
    if (raw < -r || raw >= r) throw ctx.error(`axis ${raw} is out of range [${-r}, ${r - 1}] for input ${shapeStr(first)}`);
    const axis = raw < 0 ? raw + r : raw;
    for (const s of shapes)
      if (s.length !== r || s.some((d, k) => k !== axis && d !== first[k]))
        throw ctx.error(`inputs ${shapes.map(shapeStr).join(', ')} differ outside axis ${axis}`);
    return { axis };
  },
  outputShapes(ctx, { axis }) {
    const out = [...ctx.shape(0)];
    out[axis] = ctx.node.inputs.reduce((n, _, i) => n + ctx.shape(i)[axis]!, 0);
    return [out];
  },
  reference(inputs: readonly Value[], { axis }) {
    const shape = [...inputs[0]!.shape];
    shape[axis] = inputs.reduce((n, v) => n + v.shape[axis]!, 0);
    const outer = sizeOf(shape.slice(0, axis));
    const rowOut = sizeOf(shape.slice(axis));
    const ints = inputs.every(isInt);
    const dst: Elems = ints ? new Float64Array(outer * rowOut) : new Float32Array(outer * rowOut);
    let col = 0;
    for (const v of inputs) {
      const src = elems(v);
      const row = sizeOf(v.shape.slice(axis));
      for (let o = 0; o < outer; o++) dst.set(src.subarray(o * row, (o + 1) * row), o * rowOut + col);
      col += row;
    }
    return [ints ? { shape, ints: dst as Float64Array } : { shape, data: dst as Float32Array }];
  },
});
