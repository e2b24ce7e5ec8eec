import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import { asFloat, defineOp, type NodeCtx } from './types.js';

/**
 * ONNX Resize (opsets 10–18) in nearest and linear modes over the last two dims (the last one for rank 1).
 *
 * Every supported coordinate_transformation_mode is x_in = (x_out + offIn)·inv − offOut per axis, where `inv`
 * is in/out when `sizes` is given (as TF, TF.js and PyTorch compute it); with `scales`, ·inv is /scale (the
 * float32 scale as stored, in float64 arithmetic, as the ONNX reference implementation computes it):
 *   half_pixel            offIn ½, offOut ½
 *   pytorch_half_pixel    as half_pixel, but x_in = 0 when the output length is 1
 *   align_corners         inv = (in − 1)/(out − 1) (0 when out = 1), no offsets
 *   asymmetric            no offsets
 *   tf_half_pixel_for_nn  offIn ½, offOut 0
 * Linear reads the two neighbours ⌊x_in⌋ and ⌊x_in⌋ + 1 clamped to the edge, weight x_in − ⌊x_in⌋ (the ONNX
 * reference's edge padding, and TF's clamped top/bottom rows); nearest rounds x_in by nearest_mode and clamps.
 *
 * For the TF importers (TF's resize ops take `size`, so pass `sizes` = [N, C, newH, newW]):
 *   ResizeBilinear(align_corners=false, half_pixel_centers=false) → mode=linear,  coord=asymmetric
 *   ResizeBilinear(align_corners=false, half_pixel_centers=true)  → mode=linear,  coord=half_pixel
 *   ResizeBilinear(align_corners=true,  half_pixel_centers=false) → mode=linear,  coord=align_corners
 *   ResizeNearestNeighbor(false, false) → mode=nearest, coord=asymmetric,           nearest_mode=floor
 *   ResizeNearestNeighbor(false, true)  → mode=nearest, coord=tf_half_pixel_for_nn, nearest_mode=floor
 *   ResizeNearestNeighbor(true,  false) → mode=nearest, coord=align_corners,        nearest_mode=round_prefer_ceil
 * (TF rejects align_corners together with half_pixel_centers.) TF.js computes the same x_in in float64, so the
 * chosen neighbours agree exactly with TF.js's CPU backend; the blend is TF's a + (b − a)·w.
 */
export type ResizeMode = 'nearest' | 'linear';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

const COORD_MODES = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'] as const;
export type CoordMode = (typeof COORD_MODES)[number];
const NEAREST_MODES: readonly NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** One resized axis: x_in = (x_out + offIn)·inv − offOut, or (x_out + offIn)/div − offOut when `div` is set. */
export interface ResizeAxis {
  inSize: number;
  outSize: number;
  inv: number;
  /** The scale as given (a float32 value), divided by as ONNX's reference does when `scales` is the input. */
  div?: number;
  offIn: number;
  offOut: number;
}

export interface ResizeAttrs {
  mode: ResizeMode;
  nearest: NearestMode;
  outShape: Shape;
  /** The H and W axes (H is a unit axis for rank-1 inputs). */
  h: ResizeAxis;
  w: ResizeAxis;
}

function axisOf(coord: CoordMode, inSize: number, outSize: number, scale: number | undefined): ResizeAxis {
  // ONNX's reference uses the real-valued output length scale·in for align_corners when scales are given.
  const outLen = scale === undefined ? outSize : scale * inSize;
  const r = scale === undefined ? { inSize, outSize, inv: inSize / outSize } : { inSize, outSize, inv: 1 / scale, div: scale };
  switch (coord) {
    case 'half_pixel':
      return { ...r, offIn: 0.5, offOut: 0.5 };
    case 'pytorch_half_pixel':
      return outSize > 1 ? { ...r, offIn: 0.5, offOut: 0.5 } : { inSize, outSize, inv: 0, offIn: 0, offOut: 0 };
    case 'align_corners':
      return { inSize, outSize, inv: outLen === 1 ? 0 : (inSize - 1) / (outLen - 1), offIn: 0, offOut: 0 };
    case 'asymmetric':
      return { ...r, offIn: 0, offOut: 0 };
    case 'tf_half_pixel_for_nn':
      return { ...r, offIn: 0.5, offOut: 0 };
  }
}

/** Source coordinate of output index x along `a`. */
export function sourceCoord(a: ResizeAxis, x: number): number {
  return (a.div === undefined ? (x + a.offIn) * a.inv : (x + a.offIn) / a.div) - a.offOut;
}

const clampIndex = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);

export function nearestIndex(c: number, mode: NearestMode, n: number): number {
  const f = Math.floor(c);
  let i: number;
  switch (mode) {
    case 'round_prefer_floor':
      i = c - f <= 0.5 ? f : f + 1;
      break;
    case 'round_prefer_ceil':
      i = c - f < 0.5 ? f : f + 1;
      break;
    case 'floor':
      i = f;
      break;
    case 'ceil':
      i = Math.ceil(c);
      break;
  }
  return clampIndex(i, n);
}

/** Per output index along one axis: the two source indices and the weight of the second (0 for nearest). */
export interface AxisTable {
  i0: Int32Array;
  i1: Int32Array;
  w: Float64Array;
}

export function axisTable(a: ResizeAxis, mode: ResizeMode, nearest: NearestMode): AxisTable {
  const t: AxisTable = { i0: new Int32Array(a.outSize), i1: new Int32Array(a.outSize), w: new Float64Array(a.outSize) };
  for (let x = 0; x < a.outSize; x++) {
    const c = sourceCoord(a, x);
    if (mode === 'nearest') {
      t.i0[x] = t.i1[x] = nearestIndex(c, nearest, a.inSize);
    } else {
      const f = Math.floor(c);
      t.i0[x] = clampIndex(f, a.inSize);
      t.i1[x] = clampIndex(f + 1, a.inSize);
      t.w[x] = c - f;
    }
  }
  return t;
}

/** Reads scales/sizes (constant inputs, or opset 18's `axes`) into the output shape and the scale per dim. */
function parseTargets(ctx: NodeCtx, xs: Shape): { out: number[]; scales: (number | undefined)[] } {
  const r = xs.length;
  const scalesIn = ctx.opset < 11 ? 1 : 2;
  const nonEmpty = (i: number) => ctx.has(i) && sizeOf(ctx.shape(i)) > 0;
  const scales = nonEmpty(scalesIn) ? ctx.constInts(scalesIn, 'scales')! : undefined;
  const sizes = ctx.opset >= 11 && nonEmpty(3) ? ctx.constInts(3, 'sizes')! : undefined;
  if ((scales === undefined) === (sizes === undefined)) throw ctx.error('exactly one of scales and sizes must be given');
  const rawAxes = ctx.ints('axes');
  const axes = (rawAxes ?? xs.map((_, k) => k)).map((a) => {
    if (a < -r || a >= r) throw ctx.error(`axis ${a} is out of range for input ${shapeStr(xs)}`);
    return a < 0 ? a + r : a;
  });
  if (new Set(axes).size !== axes.length) throw ctx.error(`axes [${axes.join(', ')}] repeat an axis`);
  const given = (scales ?? sizes)!;
  if (given.length !== axes.length)
    throw ctx.error(`${scales ? 'scales' : 'sizes'} has ${given.length} values for ${axes.length} axes of input ${shapeStr(xs)}`);
  const out = [...xs];
  const perDim: (number | undefined)[] = xs.map(() => (scales ? 1 : undefined));
  if (sizes) {
    const policy = ctx.string('keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch' && policy !== 'not_larger' && policy !== 'not_smaller')
      throw ctx.error(`keep_aspect_ratio_policy "${policy}" is not one of stretch, not_larger, not_smaller`);
    if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw ctx.error(`sizes [${sizes.join(', ')}] must be positive integers`);
    if (policy === 'stretch') axes.forEach((a, k) => (out[a] = sizes[k]!));
    else {
      const ratios = axes.map((a, k) => sizes[k]! / xs[a]!);
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => {
        out[a] = Math.round(s * xs[a]!);
        perDim[a] = s;
      });
    }
  } else {
    scales!.forEach((s, k) => {
      if (!(s > 0) || !Number.isFinite(s)) throw ctx.error(`scales [${scales!.join(', ')}] must be positive and finite`);
      const a = axes[k]!;
      perDim[a] = s;
      out[a] = Math.floor(s * xs[a]!);
    });
  }
  return { out, scales: perDim };
}

export const Resize = defineOp<ResizeAttrs>({
  op: 'Resize',
  parse(ctx) {
    const xs = ctx.shape(0);
    const r = xs.length;
    if (r === 0) throw ctx.error('input must have rank >= 1');
    const mode = ctx.string('mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear')
      throw ctx.error(`mode "${mode}" is not supported (supported: nearest, linear)`);
    const coord = ctx.string('coordinate_transformation_mode', ctx.opset < 11 ? 'asymmetric' : 'half_pixel');
    if (!(COORD_MODES as readonly string[]).includes(coord))
      throw ctx.error(`coordinate_transformation_mode "${coord}" is not supported (supported: ${COORD_MODES.join(', ')})`);
    // Resize-10 predates nearest_mode; it floors, as Upsample did.
    const nearest = ctx.string('nearest_mode', ctx.opset < 11 ? 'floor' : 'round_prefer_floor');
    if (!(NEAREST_MODES as readonly string[]).includes(nearest))
      throw ctx.error(`nearest_mode "${nearest}" is not supported (supported: ${NEAREST_MODES.join(', ')})`);
    if (ctx.int('antialias', 0) !== 0) throw ctx.error('antialias=1 is not supported');
    const { out, scales } = parseTargets(ctx, xs);
    const spatial = r >= 2 ? [r - 2, r - 1] : [r - 1];
    out.forEach((d, k) => {
      if (!spatial.includes(k) && d !== xs[k])
        throw ctx.error(`resizing dim ${k} of ${shapeStr(xs)} (to ${d}) is not supported; only the last two dims resize`);
      if (d === 0) throw ctx.error(`output shape ${shapeStr(out)} has a zero dim`);
    });
    const c = coord as CoordMode;
    const w = axisOf(c, xs[r - 1]!, out[r - 1]!, scales[r - 1]);
    const h = r >= 2 ? axisOf(c, xs[r - 2]!, out[r - 2]!, scales[r - 2]) : { inSize: 1, outSize: 1, inv: 0, offIn: 0, offOut: 0 };
    return { mode, nearest: nearest as NearestMode, outShape: out, h, w };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  cost: (_in, outs, a) => ({ params: 0, macs: a.mode === 'linear' ? 3 * sizeOf(outs[0]!) : 0 }),
  reference(inputs: readonly Value[], a) {
    const x = asFloat(inputs[0]);
    const { h, w } = a;
    const planes = sizeOf(x.shape) / (h.inSize * w.inSize);
    const y = new Float32Array(planes * h.outSize * w.outSize);
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * h.inSize * w.inSize;
      const at = (r: number, c: number) => x.data[base + r * w.inSize + c]!;
      for (let oy = 0; oy < h.outSize; oy++) {
        const cy = sourceCoord(h, oy);
        for (let ox = 0; ox < w.outSize; ox++) {
          const cx = sourceCoord(w, ox);
          if (a.mode === 'nearest') {
            y[o++] = at(nearestIndex(cy, a.nearest, h.inSize), nearestIndex(cx, a.nearest, w.inSize));
            continue;
          }
          const fy = Math.floor(cy);
          const fx = Math.floor(cx);
          const y0 = clampIndex(fy, h.inSize);
          const y1 = clampIndex(fy + 1, h.inSize);
          const x0 = clampIndex(fx, w.inSize);
          const x1 = clampIndex(fx + 1, w.inSize);
          const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (cx - fx);
          const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (cx - fx);
          y[o++] = top + (bottom - top) * (cy - fy);
        }
      }
    }
    return [{ shape: a.outShape, data: y }];
  },
});
