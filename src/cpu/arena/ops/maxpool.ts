import { poolKernel } from './pool.js';

/** MaxPool (src/ops/maxpool.ts) on NHWC; NaN wins, padding acts as −∞. */
export const maxPoolKernel = poolKernel('max');
