// The CPU engine's kernels by op (ops/*.ts); an op missing here runs its reference kernel in JavaScript.
import { gemm } from './ops/gemm.js';
import { matmul } from './ops/matmul.js';
import { averagePoolKernel } from './ops/averagepool.js';
import { globalAveragePoolKernel } from './ops/globalaveragepool.js';
import { maxPoolKernel } from './ops/maxpool.js';
import { reduceKernel } from './ops/reduce.js';
import { resizeKernel } from './ops/resize.js';
import type { ArenaKernel } from './types.js';
import { convTranspose } from './ops/convtranspose.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
  ['Gemm', gemm],
  ['MatMul', matmul],
  ['ConvTranspose', convTranspose],
  ['MaxPool', maxPoolKernel],
  ['AveragePool', averagePoolKernel],
  ['GlobalAveragePool', globalAveragePoolKernel],
  ['ReduceSum', reduceKernel('sum')],
  ['ReduceMean', reduceKernel('mean')],
  ['ReduceMax', reduceKernel('max')],
  ['ReduceMin', reduceKernel('min')],
  ['ReduceProd', reduceKernel('prod')],
  ['Resize', resizeKernel],
import { concatKernel } from './ops/concat.js';
import { padKernel } from './ops/pad.js';
import { reshapeKernel } from './ops/reshape.js';
import { sliceKernel } from './ops/slice.js';
import { splitKernel } from './ops/split.js';
import { transposeKernel } from './ops/transpose.js';
  ['Concat', concatKernel],
  ['Flatten', reshapeKernel],
  ['Pad', padKernel],
  ['Reshape', reshapeKernel],
  ['Slice', sliceKernel],
  ['Split', splitKernel],
  ['Squeeze', reshapeKernel],
  ['Transpose', transposeKernel],
  ['Unsqueeze', reshapeKernel],
]);
