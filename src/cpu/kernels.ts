import type { Value } from '../graph/ir.js';
import { AveragePool } from '../ops/averagepool.js';
import { BatchNormalization } from '../ops/batchnorm.js';
import { Conv } from '../ops/conv.js';
import { ConvTranspose } from '../ops/convtranspose.js';
import { DepthToSpace } from '../ops/depthtospace.js';
import { FusedDwPw } from '../ops/dwpw.js';
import { Gemm } from '../ops/gemm.js';
import { MatMul } from '../ops/matmul.js';
import { MaxPool } from '../ops/maxpool.js';
import { ReduceMax } from '../ops/reducemax.js';
import { ReduceMean } from '../ops/reducemean.js';
import { ReduceMin } from '../ops/reducemin.js';
import { ReduceSum } from '../ops/reducesum.js';
import { OPS } from '../ops/registry.js';
import { Resize } from '../ops/resize.js';
import { SpaceToDepth } from '../ops/spacetodepth.js';
import type { OpDef } from '../ops/types.js';
import { averagePoolKernel } from './ops/averagepool.js';
import { batchNormKernel } from './ops/batchnorm.js';
import { convKernel, dwPwKernel } from './ops/conv.js';
import { convTransposeKernel } from './ops/convtranspose.js';
import { depthToSpaceKernel, spaceToDepthKernel } from './ops/depthtospace.js';
import { elementwiseKernel } from './ops/elementwise.js';
import { gemmKernel, matMulKernel } from './ops/gemm.js';
import { maxPoolKernel } from './ops/maxpool.js';
import { reduceKernel } from './ops/reduce.js';
import { resizeKernel } from './ops/resize.js';

/** A CPU kernel: the same semantics as its op's reference kernel (src/ops/<op>.ts), faster. */
export type CpuKernel<A = any> = (inputs: readonly Value[], attrs: A) => Value[];

function entry<A>(def: OpDef<A>, kernel: CpuKernel<A>): [string, CpuKernel] {
  return [def.op, kernel];
}

/**
 * The CPU backend's kernels by ONNX op_type (src/cpu/ops/<op>.ts); an op without one runs its reference kernel.
 * Elementwise ops bring their own row loops (ops/unary.ts, ops/broadcast.ts), run here into recycled buffers.
 */
export const CPU_KERNELS: ReadonlyMap<string, CpuKernel> = new Map([
  entry(Conv, convKernel),
  entry(FusedDwPw, dwPwKernel),
  entry(ConvTranspose, convTransposeKernel),
  entry(Gemm, gemmKernel),
  entry(MatMul, matMulKernel),
  entry(MaxPool, maxPoolKernel),
  entry(AveragePool, averagePoolKernel),
  entry(BatchNormalization, batchNormKernel),
  entry(DepthToSpace, depthToSpaceKernel),
  entry(SpaceToDepth, spaceToDepthKernel),
  entry(Resize, resizeKernel),
  entry(ReduceMean, reduceKernel('mean')),
  entry(ReduceSum, reduceKernel('sum')),
  entry(ReduceMax, reduceKernel('max')),
  entry(ReduceMin, reduceKernel('min')),
  ...[...OPS.values()].flatMap((def): [string, CpuKernel][] => {
    const k = elementwiseKernel(def);
    return k ? [[def.op, k]] : [];
  }),
]);

/** The kernel the CPU backend runs for an op: its fast kernel, or (with `fast` false, or none) the reference. */
export function cpuKernel<A>(def: OpDef<A>, fast = true): CpuKernel<A> {
  return (fast && CPU_KERNELS.get(def.op)) || ((inputs, a) => def.reference(inputs, a));
}
