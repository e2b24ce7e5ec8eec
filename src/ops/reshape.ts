import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import { elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

/**
 * Target shape from constant input 1: 0 copies the input dim at that index (unless allowzero=1, opset 14),
 * a single -1 is inferred from the element count.
 */
export const Reshape = defineOp<{ shape: Shape }>({
  op: 'Reshape',
  parse(ctx) {
    const s = ctx.shape(0);
    const target = ctx.constInts(1, 'shape');
    if (target === undefined) throw ctx.error('input 1 (shape) is required');
    const allowzero = ctx.int('allowzero', 0) !== 0;
    const want = `[${target.join(', ')}]`;
    if (allowzero && target.includes(0) && target.includes(-1))
      throw ctx.error(`shape ${want} has both 0 and -1, which allowzero=1 forbids`);
    let infer = -1;
    const out = target.map((d, i) => {
      if (!Number.isInteger(d) || d < -1) throw ctx.error(`shape ${want} has invalid dimension ${d}`);
      if (d === -1) {
        if (infer >= 0) throw ctx.error(`shape ${want} has more than one -1`);
        infer = i;
        return 1;
      }
      if (d === 0 && !allowzero) {
        if (i >= s.length) throw ctx.error(`shape ${want} copies dimension ${i} (0), but input ${shapeStr(s)} has rank ${s.length}`);
        return s[i]!;
      }
      return d;
    });
    const n = sizeOf(s);
    const known = sizeOf(out);
    if (infer >= 0) {
      if (known === 0 || n % known !== 0)
        throw ctx.error(`cannot reshape input ${shapeStr(s)} (${n} elements) to ${want}: -1 cannot be inferred`);
      out[infer] = n / known;
    } else if (known !== n) {
      throw ctx.error(`cannot reshape input ${shapeStr(s)} (${n} elements) to ${want} (${known} elements)`);
    }
    return { shape: out };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference: (inputs: readonly Value[], a) => [withData(inputs[0]!, a.shape, elems(inputs[0]!))],
});
