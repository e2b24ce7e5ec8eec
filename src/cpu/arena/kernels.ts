// The CPU engine's kernels by op (ops/*.ts); an op missing here runs its reference kernel in JavaScript.
import { averagePoolKernel } from './ops/averagepool.js';
import { depthToSpaceKernel, spaceToDepthKernel } from './ops/depthtospace.js';
import { globalAveragePoolKernel } from './ops/globalaveragepool.js';
import { maxPoolKernel } from './ops/maxpool.js';
import { reduceKernel } from './ops/reduce.js';
import { resizeKernel } from './ops/resize.js';
import type { ArenaKernel } from './types.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
  ['MaxPool', maxPoolKernel],
  ['AveragePool', averagePoolKernel],
  ['GlobalAveragePool', globalAveragePoolKernel],
  ['ReduceSum', reduceKernel('sum')],
  ['ReduceMean', reduceKernel('mean')],
  ['ReduceMax', reduceKernel('max')],
  ['ReduceMin', reduceKernel('min')],
  ['ReduceProd', reduceKernel('prod')],
  ['Resize', resizeKernel],
  ['DepthToSpace', depthToSpaceKernel],
  ['SpaceToDepth', spaceToDepthKernel],
]);
