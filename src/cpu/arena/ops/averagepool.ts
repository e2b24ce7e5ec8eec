import { poolKernel } from './pool.js';

/** AveragePool (src/ops/averagepool.ts) on NHWC, count_include_pad either way. */
export const averagePoolKernel = poolKernel('avg');
