// The CPU engine's kernels by op (ops/*.ts); an op missing here runs its reference kernel in JavaScript.
import type { ArenaKernel } from './types.js';
import { convTranspose } from './ops/convtranspose.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
  ['ConvTranspose', convTranspose],
]);
