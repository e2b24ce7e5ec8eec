/**
 * What the CPU engine's data-movement ops (transpose, concat, slice, split, pad, the nhwc reshapes) share: where
 * each logical axis lies in a slot's memory, and the int32 plans c/tensor.c's tensor_copy and tensor_pad read
 * (struct copy_plan, struct pad_plan there), placed in the read-only region.
 */
import type { ArenaKernel, BuildCtx, Call, Layout, Slot } from '../types.js';

/** The kernels' plans walk at most this many outer axes (c/tensor.c): every op here takes ranks up to 6. */
const OUTER = 5;
/** A contiguous copy with fewer units than this is cut into units of CHUNK floats (threads share it). */
const FEW_UNITS = 16;
const CHUNK = 2048;
/** A transposing unit moves about this many floats (its panel of rows × a cut of the inner axis). */
const PANEL = 2048;
const PANEL_INNER = 256;
const LINE = 16;
export const MAX_RANK = 6;

/** The logical axes in the order memory holds them: [0, 2, 3, 1] for a 4-D 'nhwc' slot. */
export function physicalOrder(rank: number, layout: Layout): number[] {
  return layout === 'nhwc' && rank === 4 ? [0, 2, 3, 1] : Array.from({ length: rank }, (_, i) => i);
}

/** Per logical axis, its stride in floats in a slot of this shape and layout. */
export function logicalStrides(s: Pick<Slot, 'shape' | 'layout'>): number[] {
  const order = physicalOrder(s.shape.length, s.layout);
  const st = new Array<number>(s.shape.length);
  let at = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    st[order[k]!] = at;
    at *= s.shape[order[k]!]!;
  }
  return st;
}

/** What placing a plan needs of a builder's context (the planner's own conversions have no node). */
type Places = Pick<BuildCtx, 'weights'>;

/** The slot's layout for a tensor of this rank: only 4-D tensors are ever 'nhwc'. */
export const layoutFor = (rank: number, want: Layout | undefined): Layout => (rank === 4 && want === 'nhwc' ? 'nhwc' : 'plain');

/** layouts() of a data-movement op that works in its input's layout: every output in that layout too. */
export const sameLayout: ArenaKernel['layouts'] = (rn, have) => {
  const rank = rn.inputShapes[0]!.length;
  if (rank > MAX_RANK || have[0] === undefined) return undefined;
  const l = layoutFor(rank, have[0]);
  return { inputs: [l], outputs: rn.outputShapes.map(() => l) };
};

/** The plan's int32 bits in the read-only region (weights() copies bytes: TypedArray.set of a Float32Array). */
const planWeights = (ctx: Places, ints: number[]) => ctx.weights(new Float32Array(Int32Array.from(ints).buffer));

interface Axis {
  n: number;
  ss: number;
  ds: number;
}

export interface CopyPlan {
  ints: number[];
  tiles: number;
  /** Rough cost in float moves: a strided or transposing inner loop costs more than a contiguous one. */
  cost: number;
}

/**
 * tensor_copy's plan for the box of `shape`, element i at source offset Σ i_k·ss_k and destination Σ i_k·ds_k,
 * axes visited in `order` (the destination's physical order, innermost last). Size-1 axes are dropped and axes
 * contiguous on both sides merged; when the innermost axis is strided in the source and another axis is the
 * source's contiguous one, the two are moved as 4×4 blocks.
 */
export function copyPlan(shape: readonly number[], ss: readonly number[], ds: readonly number[], order: readonly number[]): CopyPlan {
  const axes: Axis[] = [];
  for (const k of order) {
    const a = { n: shape[k]!, ss: ss[k]!, ds: ds[k]! };
    if (a.n === 1) continue;
    const prev = axes[axes.length - 1];
    if (prev && prev.ss === a.ss * a.n && prev.ds === a.ds * a.n) axes[axes.length - 1] = { n: prev.n * a.n, ss: a.ss, ds: a.ds };
    else axes.push(a);
  }
  const elems = shape.reduce((a, b) => a * b, 1);
  let inner = axes.pop() ?? { n: 1, ss: 1, ds: 1 };
  let rows = 0;
  let rs = 0;
  let whole = 0;
  let rowsWhole = 0;
  const pair = inner.ss !== 1 && inner.ds === 1 ? axes.findIndex((a) => a.ss === 1) : -1;
  const units = () => axes.reduce((t, a) => t * a.n, 1);
  const cut = (len: number) => {
    whole = inner.n;
    axes.push({ n: Math.ceil(whole / len), ss: len * inner.ss, ds: len * inner.ds });
    inner = { ...inner, n: len };
  };
  if (pair >= 0) {
    // The destination's contiguous axis becomes the panel rows, the source's the inner axis. A unit moves about
    // PANEL floats: the inner axis cut to PANEL / rows (at least a cache line, at most PANEL_INNER), else the
    // rows cut into blocks.
    rows = inner.n;
    rs = inner.ss;
    inner = axes.splice(pair, 1)[0]!;
    const len = 4 * Math.floor(Math.min(PANEL_INNER, Math.max(LINE, PANEL / rows)) / 4);
    const height = 4 * Math.ceil(PANEL / inner.n / 4);
    if (inner.n > len) cut(len);
    else if (rows > height) {
      rowsWhole = rows;
      axes.push({ n: Math.ceil(rows / height), ss: height * rs, ds: height });
      rows = height;
    }
  } else if (inner.ss === 1 && inner.ds === 1 && inner.n >= 2 * CHUNK && axes.length < OUTER && units() < FEW_UNITS) cut(CHUNK);
  if (axes.length > OUTER) throw new RangeError(`tensor_copy: ${axes.length} outer axes after merging, more than ${OUTER}`);
  while (axes.length < OUTER) axes.unshift({ n: 1, ss: 0, ds: 0 });
  const tiles = elems === 0 ? 0 : units();
  const contiguous = inner.ss === 1 && inner.ds === 1;
  return {
    ints: [...axes.map((a) => a.n), ...axes.map((a) => a.ss), ...axes.map((a) => a.ds), inner.n, inner.ss, inner.ds, rows, rs, whole, rowsWhole],
    tiles,
    cost: elems * (contiguous && !rows ? 1 : rows ? 2 : 4) + tiles * 8,
  };
}

/** The tensor_copy call for a plan, byte offsets `dst` and `src`; none for an empty box. */
export function copyCall(ctx: Places, dst: number, src: number, plan: CopyPlan): Call[] {
  return plan.tiles === 0 ? [] : [{ fn: 'tensor_copy', args: [dst, src, planWeights(ctx, plan.ints)], tiles: plan.tiles }];
}

/**
 * Copies the box `shape` (the output's logical axes) of source `src` (byte offset, strides per output logical axis)
 * into its place in `out` at byte offset `dst` (the output slot's own strides), visiting the output's memory order.
 */
export function copyInto(ctx: Places, out: Slot, dst: number, src: number, srcStrides: readonly number[], shape: readonly number[]): Call[] {
  const plan = copyPlan(shape, srcStrides, logicalStrides(out), physicalOrder(out.shape.length, out.layout));
  return copyCall(ctx, dst, src, plan);
}

/**
 * A layout conversion of one tensor (same shape, `from` → `to`) as a tiled tensor_copy: a team can share it, and
 * 2- or 3-channel NCHW → NHWC interleaves through shuffles.
 */
export function layoutCopy(ctx: Places, from: Slot, to: Slot): Call[] {
  return copyInto(ctx, to, to.offset, from.offset, logicalStrides(from), from.shape);
}

export type PadMode = 'constant' | 'edge' | 'reflect';
const PAD_MODES: readonly PadMode[] = ['constant', 'edge', 'reflect'];

/**
 * tensor_pad's plan for physical input shape `inp` padded by `begin` before each axis to `out` (negative pads
 * crop): the trailing axes no pad touches become whole elements of g floats, neighbouring untouched outer axes merge.
 */
export function padPlan(inp: readonly number[], begin: readonly number[], out: readonly number[], mode: PadMode): { ints: number[]; tiles: number } {
  const touched = (k: number) => begin[k] !== 0 || out[k] !== inp[k];
  let last = inp.length - 1;
  while (last >= 0 && !touched(last)) last--;
  let g = 1;
  for (let k = last + 1; k < inp.length; k++) g *= inp[k]!;
  let stride = g;
  const ss = new Array<number>(inp.length);
  for (let k = last; k >= 0; k--) {
    ss[k] = stride;
    stride *= inp[k]!;
  }
  const row = last >= 0 ? { n: out[last]!, in: inp[last]!, b: begin[last]! } : { n: 1, in: 1, b: 0 };
  const outer: { n: number; in: number; b: number; ss: number }[] = [];
  for (let k = 0; k < last; k++) {
    const a = { n: out[k]!, in: inp[k]!, b: begin[k]!, ss: ss[k]! };
    if (!touched(k) && a.n === 1) continue;
    const prev = outer[outer.length - 1];
    if (prev && !touched(k) && prev.b === 0 && prev.n === prev.in) outer[outer.length - 1] = { n: prev.n * a.n, in: prev.in * a.n, b: 0, ss: a.ss };
    else outer.push(a);
  }
  if (outer.length > OUTER) throw new RangeError(`tensor_pad: ${outer.length} outer axes after merging, more than ${OUTER}`);
  while (outer.length < OUTER) outer.unshift({ n: 1, in: 1, b: 0, ss: 0 });
  const elems = out.reduce((a, b) => a * b, 1);
  return {
    ints: [...outer.map((a) => a.n), ...outer.map((a) => a.in), ...outer.map((a) => a.b), ...outer.map((a) => a.ss), row.n, row.in, row.b, g, PAD_MODES.indexOf(mode)],
    tiles: elems === 0 ? 0 : outer.reduce((t, a) => t * a.n, 1),
  };
}

export function padCall(ctx: Places, dst: number, src: number, plan: { ints: number[]; tiles: number }, value: number): Call[] {
  return plan.tiles === 0 ? [] : [{ fn: 'tensor_pad', args: [dst, src, planWeights(ctx, plan.ints), value], tiles: plan.tiles }];
}
