/**
 * MaxPool and AveragePool on NHWC (c/pool.c): any kernel, stride, dilation, padding and ceil_mode, the borders
 * handled by tap ranges. A window that covers the whole unpadded input (a global pool, as the selfie segmenter's
 * squeeze-excite blocks write it) runs as a reduction over H·W instead.
 */
import type { AveragePoolAttrs } from '../../../ops/averagepool.js';
import type { PoolAttrs } from '../../../ops/window.js';
import type { ResolvedNode } from '../../../graph/resolve.js';
import type { ArenaKernel } from '../types.js';
import { reduceCall } from './reduce.js';

/** The layouts of a pool: a non-empty 4-D input, NHWC in and out. */
export function nhwcPool(rn: ResolvedNode): ReturnType<ArenaKernel['layouts']> {
  const xs = rn.inputShapes[0]!;
  return xs.length === 4 && xs.every((d) => d > 0) ? { inputs: ['nhwc'], outputs: ['nhwc'] } : undefined;
}

export function poolKernel(kind: 'max' | 'avg'): ArenaKernel {
  return {
    layouts: nhwcPool,
    build(ctx) {
      const a = ctx.node.attrs as PoolAttrs & Partial<AveragePoolAttrs>;
      const x = ctx.input(0)!;
      const y = ctx.output(0);
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const global = a.kernel[0] === h && a.kernel[1] === w && a.pads.every((p) => p === 0);
      if (global) return [reduceCall(kind === 'max' ? 'max' : 'mean', y, x, n, h * w, c)];
      // the field order of pool_geom in c/pool.c
      const geom = Int32Array.from([n, h, w, c, ...a.out, ...a.kernel, ...a.strides, ...a.dilations, ...a.pads, a.countIncludePad ? 1 : 0]);
      return [{ fn: `pool_${kind}`, args: [y.offset, x.offset, ctx.weights(new Float32Array(geom.buffer))], tiles: n * a.out[0] }];
    },
  };
}
