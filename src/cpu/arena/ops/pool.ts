/**
 * MaxPool and AveragePool on NHWC (c/pool.c): any kernel, stride, dilation, padding and ceil_mode, the borders
 * handled by tap ranges computed here once (the reference's tapRanges). A window that covers the whole unpadded
 * input (a global pool, as the selfie segmenter's squeeze-excite blocks write it) runs as a reduction over H·W.
 */
import type { AveragePoolAttrs } from '../../../ops/averagepool.js';
import { tapRanges, type PoolAttrs } from '../../../ops/window.js';
import type { ResolvedNode } from '../../../graph/resolve.js';
import type { ArenaKernel } from '../types.js';
import { reduceCall } from './reduce.js';

/**
 * pool_dims {n, h, w, c, ho, wo, sy, sx} of c/pool.c, then {off, taps, count} per output row and per output
 * column: the first tap inside the input (floats from the image's or the row's start), the taps inside it, and
 * the divisor's factor (those taps, or with count_include_pad the taps inside the padded input).
 */
function table(a: PoolAttrs & Partial<AveragePoolAttrs>, n: number, c: number, h: number, w: number): Float32Array {
  const head = [n, h, w, c, a.out[0], a.out[1], a.dilations[0] * w * c, a.dilations[1] * c];
  const axis = (out: number, size: number, i: 0 | 1, pad: number, end: number, step: number) => {
    const inside = tapRanges(out, size, a.kernel[i], a.strides[i], a.dilations[i], pad);
    const padded = tapRanges(out, size + pad + end, a.kernel[i], a.strides[i], a.dilations[i], 0);
    return Array.from(inside.lo, (lo, o) => {
      const taps = inside.hi[o]! - lo;
      const first = taps > 0 ? o * a.strides[i] - pad + lo * a.dilations[i] : 0;
      return [first * step, taps, a.countIncludePad ? padded.hi[o]! - padded.lo[o]! : taps];
    }).flat();
  };
  const t = Int32Array.from([...head, ...axis(a.out[0], h, 0, a.pads[0], a.pads[2], w * c), ...axis(a.out[1], w, 1, a.pads[1], a.pads[3], c)]);
  return new Float32Array(t.buffer);
}

/** The layouts of a pool (and of the other NHWC-only ops here): a non-empty 4-D input, NHWC in and out. */
export function nhwcOnly(rn: ResolvedNode): ReturnType<ArenaKernel['layouts']> {
  const xs = rn.inputShapes[0]!;
  return xs.length === 4 && xs.every((d) => d > 0) ? { inputs: ['nhwc'], outputs: ['nhwc'] } : undefined;
}

export function poolKernel(kind: 'max' | 'avg'): ArenaKernel {
  return {
    layouts: nhwcOnly,
    build(ctx) {
      const a = ctx.node.attrs as PoolAttrs & Partial<AveragePoolAttrs>;
      const x = ctx.input(0)!;
      const y = ctx.output(0);
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const global = a.kernel[0] === h && a.kernel[1] === w && a.pads.every((p) => p === 0);
      if (global) return [reduceCall(kind === 'max' ? 'max' : 'mean', y, x, n, h * w, c)];
      return [{ fn: `pool_${kind}`, args: [y.offset, x.offset, ctx.weights(table(a, n, c, h, w))], tiles: n * a.out[0] }];
    },
  };
}
