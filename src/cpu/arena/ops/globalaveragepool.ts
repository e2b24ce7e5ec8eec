/**
 * GlobalAveragePool (c/reduce.c): a 4-D input as NHWC, the mean over H·W per channel ([N, C, 1, 1] out: NHWC is the
 * same bytes as plain); any other rank plain, the mean of each [N, C] row's trailing run.
 */
import { sizeOf } from '../../../tensor.js';
import type { ArenaKernel } from '../types.js';
import { nhwcOnly } from './pool.js';
import { reduceCall } from './reduce.js';

export const globalAveragePoolKernel: ArenaKernel = {
  layouts(rn) {
    const xs = rn.inputShapes[0]!;
    if (xs.length === 4) return nhwcOnly(rn);
    return xs.every((d) => d > 0) ? { inputs: ['plain'], outputs: ['plain'] } : undefined;
  },
  build(ctx) {
    const x = ctx.input(0)!;
    const [n, c] = x.shape as [number, number];
    const spatial = sizeOf(x.shape.slice(2));
    return [x.layout === 'nhwc' ? reduceCall('mean', ctx.output(0), x, n, spatial, c) : reduceCall('mean', ctx.output(0), x, n * c, spatial, 1)];
  },
};
