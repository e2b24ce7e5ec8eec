// The CPU engine's kernels by op (ops/*.ts); an op missing here runs its reference kernel in JavaScript.
import type { ArenaKernel } from './types.js';
import { binaryKernel, unaryKernel } from './ops/elementwise.js';
import { softmaxKernel } from './ops/softmax.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
  ['Add', binaryKernel('Add')],
  ['Sub', binaryKernel('Sub')],
  ['Mul', binaryKernel('Mul')],
  ['Div', binaryKernel('Div')],
  ['Max', binaryKernel('Max')],
  ['Min', binaryKernel('Min')],
  ['PRelu', binaryKernel('PRelu')],
  ['Relu', unaryKernel('Relu')],
  ['Clip', unaryKernel('Clip')],
  ['LeakyRelu', unaryKernel('LeakyRelu')],
  ['Elu', unaryKernel('Elu')],
  ['Sigmoid', unaryKernel('Sigmoid')],
  ['HardSigmoid', unaryKernel('HardSigmoid')],
  ['HardSwish', unaryKernel('HardSwish')],
  ['Tanh', unaryKernel('Tanh')],
  ['Exp', unaryKernel('Exp')],
  ['Neg', unaryKernel('Neg')],
  ['Abs', unaryKernel('Abs')],
  ['Sqrt', unaryKernel('Sqrt')],
  ['Reciprocal', unaryKernel('Reciprocal')],
  ['Floor', unaryKernel('Floor')],
  ['Ceil', unaryKernel('Ceil')],
  ['Round', unaryKernel('Round')],
  ['Sign', unaryKernel('Sign')],
  ['Softmax', softmaxKernel],
]);
