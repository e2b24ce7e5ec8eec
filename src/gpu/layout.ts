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

/** NCHW host data -> NHWC; other ranks are returned as they are (the same array, not a copy). */
export function toDevice(shape: Shape, data: Float32Array): Float32Array {
  if (layoutOf(shape) !== 'nhwc') return data;
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) out[(b * h * w + p) * c + ch] = data[(b * c + ch) * h * w + p]!;
  return out;
}

export function fromDevice(shape: Shape, data: Float32Array): Float32Array {
  if (layoutOf(shape) !== 'nhwc') return data;
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) out[(b * c + ch) * h * w + p] = data[(b * h * w + p) * c + ch]!;
  return out;
}
