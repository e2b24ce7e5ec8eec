import type { Value } from '../../graph/ir.js';
import { blockCopy, blockPlan, type BlockAttrs } from '../../ops/depthtospace.js';
import { stridesOf } from '../../tensor.js';

/** Both block rearrangements as one strided copy over the shared [N, C, H, b, W, b] index space. */
export function depthToSpaceKernel(inputs: readonly Value[], a: BlockAttrs): Value[] {
  const x = inputs[0]!;
  const p = blockPlan(a.outShape, a.blocksize, a.crd, stridesOf(a.outShape), stridesOf(x.shape));
  return [blockCopy(x, a.outShape, p.sizes, p.deep, p.big)];
}

export function spaceToDepthKernel(inputs: readonly Value[], a: BlockAttrs): Value[] {
  const x = inputs[0]!;
  const p = blockPlan(x.shape, a.blocksize, false, stridesOf(x.shape), stridesOf(a.outShape));
  return [blockCopy(x, a.outShape, p.sizes, p.big, p.deep)];
}
