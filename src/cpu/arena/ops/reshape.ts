// Reshape, Flatten, Squeeze and Unsqueeze of an 'nhwc' tensor on the CPU engine: the output is the input's
// logical row-major order, so one NHWC → NCHW copy ('plain' inputs: a plain copy, where the planner did not alias).
import type { ArenaKernel } from '../types.js';
import { copyInto, logicalStrides, MAX_RANK } from './strided.js';

export const reshapeKernel: ArenaKernel = {
  layouts(rn, have) {
    if (rn.inputShapes[0]!.length > MAX_RANK) return undefined;
    return { inputs: [have[0] ?? 'plain'], outputs: ['plain'] };
  },
  build(ctx) {
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    // The output's bytes are the input's logical shape, row-major.
    return copyInto(ctx, { ...y, shape: x.shape, layout: 'plain' }, y.offset, x.offset, logicalStrides(x), x.shape);
  },
};
