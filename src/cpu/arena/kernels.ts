// The CPU engine's kernels by op (ops/*.ts); an op missing here, or a case its kernel declines, runs its reference
// kernel in JavaScript.
import { firstOf } from './first-of.js';
import { averagePoolKernel } from './ops/averagepool.js';
import { concatKernel } from './ops/concat.js';
import { CHAIN_OP, chainKernel } from './ops/conv-chain.js';
import { depthwiseConv } from './ops/conv-depthwise.js';
import { generalConv } from './ops/conv-general.js';
import { pointwiseConv } from './ops/conv-pointwise.js';
import { convTranspose } from './ops/convtranspose.js';
import { depthToSpaceKernel, spaceToDepthKernel } from './ops/depthtospace.js';
import { binaryKernel, unaryKernel } from './ops/elementwise.js';
import { gemm } from './ops/gemm.js';
import { globalAveragePoolKernel } from './ops/globalaveragepool.js';
import { matmul } from './ops/matmul.js';
import { maxPoolKernel } from './ops/maxpool.js';
import { padKernel } from './ops/pad.js';
import { reduceKernel } from './ops/reduce.js';
import { reshapeKernel } from './ops/reshape.js';
import { resizeKernel } from './ops/resize.js';
import { sliceKernel } from './ops/slice.js';
import { softmaxKernel } from './ops/softmax.js';
import { splitKernel } from './ops/split.js';
import { transposeKernel } from './ops/transpose.js';
import type { ArenaKernel } from './types.js';

export const ARENA_KERNELS = new Map<string, ArenaKernel>([
  ['Conv', firstOf([pointwiseConv, depthwiseConv, generalConv])],
  [CHAIN_OP, chainKernel],
  ['ConvTranspose', convTranspose],
  ['Gemm', gemm],
  ['MatMul', matmul],
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
  ['Concat', concatKernel],
  ['Pad', padKernel],
  ['Slice', sliceKernel],
  ['Split', splitKernel],
  ['Transpose', transposeKernel],
  ['Reshape', reshapeKernel],
  ['Flatten', reshapeKernel],
  ['Squeeze', reshapeKernel],
  ['Unsqueeze', reshapeKernel],
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
  ['Log', unaryKernel('Log')],
  ['Gelu', unaryKernel('Gelu')],
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
