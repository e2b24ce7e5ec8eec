import type { Value } from '../../graph/ir.js';
import type { BatchNormAttrs } from '../../ops/batchnorm.js';
import { asFloat } from '../../ops/types.js';
import { sizeOf } from '../../tensor.js';

export function batchNormKernel(inputs: readonly Value[], a: BatchNormAttrs): Value[] {
  const [x, scale, b, mean, v] = inputs.map((t) => asFloat(t));
  const [N, C] = x!.shape as [number, number];
  const inner = sizeOf(x!.shape.slice(2));
  const xd = x!.data;
  const y = new Float32Array(xd.length);
  for (let c = 0; c < C; c++) {
    // folded per channel into y = m·x + s
    const m = scale!.data[c]! / Math.sqrt(v!.data[c]! + a.epsilon);
    const s = b!.data[c]! - m * mean!.data[c]!;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * inner;
      for (let i = base; i < base + inner; i++) y[i] = m * xd[i]! + s;
    }
  }
  return [{ shape: x!.shape, data: y }];
}
