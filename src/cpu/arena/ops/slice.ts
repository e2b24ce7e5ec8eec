// Slice on the CPU engine: a strided copy (any steps, negative too) in the input's layout.
import type { SliceAttrs } from '../../../ops/slice.js';
import type { ArenaKernel } from '../types.js';
import { copyInto, logicalStrides, sameLayout } from './strided.js';

export const sliceKernel: ArenaKernel = {
  layouts: sameLayout,
  build(ctx) {
    const x = ctx.input(0)!;
    const a = ctx.node.attrs as SliceAttrs;
    const st = logicalStrides(x);
    const first = a.starts.reduce((o, b, k) => o + b * st[k]!, 0);
    return copyInto(ctx, ctx.output(0), ctx.output(0).offset, x.offset + first * 4, a.steps.map((p, k) => p * st[k]!), a.shape);
  },
};
