// The CPU engine's kernels by op (ops/*.ts); an op missing here runs its reference kernel in JavaScript.
import type { ArenaKernel } from './types.js';
import { concatKernel } from './ops/concat.js';
import { padKernel } from './ops/pad.js';
import { reshapeKernel } from './ops/reshape.js';
import { sliceKernel } from './ops/slice.js';
import { splitKernel } from './ops/split.js';
import { transposeKernel } from './ops/transpose.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
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
