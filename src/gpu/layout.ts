import type { Shape } from '../tensor.js';
import { stridesOf } from '../tensor.js';

/**
 * On the GPU every 4-D activation is stored channels-last (NHWC): depthwise reads vec4 over channels and
 * pointwise is a plain GEMM over [pixels x C]. Every other rank is stored row-major. The layout is a function
 * of the rank alone, so producers and consumers agree without negotiation; conversion happens at the graph edge.
 */
export type Layout = 'nhwc' | 'rowmajor';

export function layoutOf(shape: Shape): Layout {
  return shape.length === 4 ? 'nhwc' : 'rowmajor';
}

/** Element strides of each logical (NCHW-order) dimension in the physical buffer. */
export function physicalStrides(shape: Shape, layout: Layout = layoutOf(shape)): number[] {
  if (layout === 'rowmajor') return stridesOf(shape);
  const [, c, h, w] = shape as [number, number, number, number];
  return [h * w * c, 1, w * c, c];
}

// Pixels per block of the two transposes: a block of every channel stays in L1 while it is read one way and written
// the other; within it 4 channels move per pass over the pixels (2x the one-channel loop on [1, 64, 112, 112]).
const PIXEL_BLOCK = 64;

/**
 * out[b][p][ch] = src[b][ch][p] (toNhwc) or out[b][ch][p] = src[b][p][ch] (toNchw), block by block of pixels, into
 * `dst` when it is given (and as long as src), else a new array.
 */
function transpose(shape: Shape, src: Float32Array, toNhwc: boolean, dst?: Float32Array): Float32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const hw = h * w;
  const out = dst && dst.length === n * c * hw ? dst : new Float32Array(n * c * hw);
  // index in the channels-last array: p·c + ch; in the channels-first one: ch·hw + p
  const [nhwc, nchw] = toNhwc ? [out, src] : [src, out];
  const c4 = c - (c % 4);
  for (let base = 0; base < n * c * hw; base += c * hw)
    for (let p0 = 0; p0 < hw; p0 += PIXEL_BLOCK) {
      const len = Math.min(PIXEL_BLOCK, hw - p0);
      for (let ch = 0; ch < c; ch += ch < c4 ? 4 : 1) {
        let li = base + p0 * c + ch;
        let fi = base + ch * hw + p0;
        if (ch < c4) {
          if (toNhwc)
            for (let q = 0; q < len; q++, li += c, fi++) {
              nhwc[li] = nchw[fi]!;
              nhwc[li + 1] = nchw[fi + hw]!;
              nhwc[li + 2] = nchw[fi + 2 * hw]!;
              nhwc[li + 3] = nchw[fi + 3 * hw]!;
            }
          else
            for (let q = 0; q < len; q++, li += c, fi++) {
              nchw[fi] = nhwc[li]!;
              nchw[fi + hw] = nhwc[li + 1]!;
              nchw[fi + 2 * hw] = nhwc[li + 2]!;
              nchw[fi + 3 * hw] = nhwc[li + 3]!;
            }
        } else if (toNhwc) for (let q = 0; q < len; q++, li += c, fi++) nhwc[li] = nchw[fi]!;
        else for (let q = 0; q < len; q++, li += c, fi++) nchw[fi] = nhwc[li]!;
      }
    }
  return out;
}

/**
 * NCHW host data -> NHWC, into `dst` when it is given and fits (a staging array reused across runs); other ranks are
 * returned as they are (the same array, not a copy).
 */
export function toDevice(shape: Shape, data: Float32Array, dst?: Float32Array): Float32Array {
  return layoutOf(shape) === 'nhwc' ? transpose(shape, data, true, dst) : data;
}

/** Device data -> NCHW (into `dst` when it is given and fits, else a new array); other ranks are returned as they are. */
export function fromDevice(shape: Shape, data: Float32Array, dst?: Float32Array): Float32Array {
  return layoutOf(shape) === 'nhwc' ? transpose(shape, data, false, dst) : data;
}

/**
 * A new array of n floats with every memory page written once: the page faults of a fresh allocation paid now
 * (while the GPU still works) rather than inside the copy that fills it after the readback maps.
 */
export function prefaulted(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 1024) a[i] = 0;
  return a;
}
