/** GlobalAveragePool of a 4-D tensor on NHWC: the mean over H·W (c/reduce.c), [N, C, 1, 1] out (NHWC = same bytes). */
import type { ArenaKernel } from '../types.js';
import { nhwcOnly } from './pool.js';
import { reduceCall } from './reduce.js';

export const globalAveragePoolKernel: ArenaKernel = {
  layouts: nhwcOnly,
  build(ctx) {
    const x = ctx.input(0)!;
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return [reduceCall('mean', ctx.output(0), x, n, h * w, c)];
  },
};
