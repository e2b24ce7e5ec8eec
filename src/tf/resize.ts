import { ShapeError } from '../errors.js';
import { shapeStr } from '../tensor.js';
import type { TfBuilder, TfTensor } from './builder.js';

export interface ResizeOpts {
  mode: 'bilinear' | 'nearest';
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
}

/** The ONNX Resize attributes that reproduce TF's ResizeBilinear / ResizeNearestNeighbor. */
export function resizeAttrs(o: ResizeOpts): Record<string, string> {
  if (o.alignCorners && o.halfPixelCenters) throw new Error('align_corners and half_pixel_centers cannot both be set');
  const coordinate_transformation_mode = o.alignCorners
    ? 'align_corners'
    : o.halfPixelCenters
      ? o.mode === 'bilinear' ? 'half_pixel' : 'tf_half_pixel_for_nn'
      : 'asymmetric';
  if (o.mode === 'bilinear') return { mode: 'linear', coordinate_transformation_mode };
  // TF rounds align_corners coordinates half away from zero and floors the others.
  return { mode: 'nearest', coordinate_transformation_mode, nearest_mode: o.alignCorners ? 'round_prefer_ceil' : 'floor' };
}

/** Resize the H, W dims of an NHWC tensor to `size` = [newH, newW]. */
export function resize(b: TfBuilder, base: string, x: TfTensor, size: readonly number[], o: ResizeOpts): TfTensor {
  if (x.shape.length !== 4 || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ShapeError(base, 'Resize', `input ${shapeStr(x.shape)} must be 4-D and size [${size.join(', ')}] two positive integers`);
  let attrs: Record<string, string>;
  try {
    attrs = resizeAttrs(o);
  } catch (e) {
    throw new ShapeError(base, 'Resize', (e as Error).message);
  }
  const [n, , , c] = x.shape as [number, number, number, number];
  const sizes = b.ints(`${base}::sizes`, [n, c, size[0]!, size[1]!]);
  return b.op('Resize', base, [b.toNchw(x).edge, '', '', sizes.edge], attrs, { shape: [n, size[0]!, size[1]!, c], layout: 'nchw', dtype: x.dtype });
}

/** TF DepthToSpace (NHWC) = ONNX DepthToSpace mode DCR on NCHW. */
export function depthToSpace(b: TfBuilder, base: string, x: TfTensor, block: number): TfTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (x.shape.length !== 4 || !(block >= 1) || c % (block * block) !== 0)
    throw new ShapeError(base, 'DepthToSpace', `input ${shapeStr(x.shape)} channels are not divisible by block_size² (${block}²)`);
  return b.op('DepthToSpace', base, [b.toNchw(x)], { blocksize: block, mode: 'DCR' }, {
    shape: [n, h * block, w * block, c / (block * block)],
    layout: 'nchw',
    dtype: x.dtype,
  });
}
