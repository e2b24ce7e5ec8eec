// Reshape, Flatten, Squeeze and Unsqueeze of an 'nhwc' tensor on the CPU engine: the output is the input's
// logical row-major order, so one NHWC → NCHW copy ('plain' inputs: a plain copy, where the planner did not alias).
import type { ArenaKernel } from '../types.js';
import { copyInto, layoutFor, logicalStrides, MAX_RANK } from './strided.js';

export const reshapeKernel: ArenaKernel = {
  layouts(rn, have) {
    const rank = rn.inputShapes[0]!.length;
    if (rank > MAX_RANK || have[0] === undefined) return undefined;
    return { inputs: [layoutFor(rank, have[0])], outputs: ['plain'] };
  },
  build(ctx) {
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    // The output's bytes are the input's logical shape, row-major.
    return copyInto(ctx, { ...y, shape: x.shape, layout: 'plain' }, y.offset, x.offset, logicalStrides(x), x.shape);
  },
};
