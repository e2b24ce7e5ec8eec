import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { allocLike, elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

/** out[..., j..., ...] = data[..., indices[j...], ...] along `axis`; output rank r + q - 1; negative indices wrap. */
export const Gather = defineOp<{ axis: number }>({
  op: 'Gather',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    const raw = ctx.int('axis', 0);
    if (raw < -r || raw >= r) throw ctx.error(`axis ${raw} is out of range [${-r}, ${r - 1}] for data ${shapeStr(s)}`);
    const axis = raw < 0 ? raw + r : raw;
    ctx.shape(1);
    const d = s[axis]!;
    if (ctx.constant(1) !== undefined) {
      const bad = ctx.constInts(1, 'indices')!.find((i) => !Number.isInteger(i) || i < -d || i >= d);
      if (bad !== undefined)
        throw ctx.error(`index ${bad} is out of range [${-d}, ${d - 1}] for axis ${axis} of data ${shapeStr(s)}`);
    }
    return { axis };
  },
  outputShapes: (ctx, { axis }) => {
    const s = ctx.shape(0);
    return [[...s.slice(0, axis), ...ctx.shape(1), ...s.slice(axis + 1)]];
  },
  reference(inputs: readonly Value[], { axis }) {
    const x = inputs[0]!;
    const ind = elems(inputs[1]!);
    const s = x.shape;
    const shape = [...s.slice(0, axis), ...inputs[1]!.shape, ...s.slice(axis + 1)];
    const outer = sizeOf(s.slice(0, axis));
    const d = s[axis]!;
    const inner = sizeOf(s.slice(axis + 1));
    const src = elems(x);
    const dst = allocLike(x, sizeOf(shape));
    let o = 0;
    for (let b = 0; b < outer; b++)
      for (let j = 0; j < ind.length; j++) {
        let i = ind[j]!;
        if (!(i >= -d && i < d)) throw new RangeError(`Gather: index ${i} is out of range for dimension ${d}`);
        if (i < 0) i += d;
        const from = (b * d + i) * inner;
        dst.set(src.subarray(from, from + inner), o);
        o += inner;
      }
    return [withData(x, shape, dst)];
  },
});
