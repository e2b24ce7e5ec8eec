// The CPU engine's kernels by op (ops/*.ts); an op missing here runs its reference kernel in JavaScript.
import { gemm } from './ops/gemm.js';
import { matmul } from './ops/matmul.js';
import type { ArenaKernel } from './types.js';
import { convTranspose } from './ops/convtranspose.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
  ['Gemm', gemm],
  ['MatMul', matmul],
  ['ConvTranspose', convTranspose],
]);
