import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, stridesOf } from '../tensor.js';
import { allocLike, elems, stridedCopy, withData } from './broadcast.js';
import { defineOp } from './types.js';

/** Output dim i is input dim perm[i]; perm defaults to reversing the axes. */
export const Transpose = defineOp<{ perm: number[] }>({
  op: 'Transpose',
  parse(ctx) {
    const s = ctx.shape(0);
    const perm = ctx.ints('perm') ?? s.map((_, i) => s.length - 1 - i);
    const seen = new Set(perm);
    if (perm.length !== s.length || seen.size !== perm.length || perm.some((p) => p < 0 || p >= s.length))
      throw ctx.error(`perm [${perm.join(', ')}] is not a permutation of the ${s.length} axes of input ${shapeStr(s)}`);
    return { perm };
  },
  outputShapes: (ctx, a) => [a.perm.map((p) => ctx.shape(0)[p]!)],
  reference(inputs: readonly Value[], a) {
    const x = inputs[0]!;
    const st = stridesOf(x.shape);
    const out = a.perm.map((p) => x.shape[p]!);
    const dst = allocLike(x, sizeOf(x.shape));
    stridedCopy(elems(x), 0, a.perm.map((p) => st[p]!), out, dst);
    return [withData(x, out, dst)];
  },
});
