/**
 * ReduceSum / ReduceMean / ReduceMax / ReduceMin / ReduceProd (c/reduce.c) over any run of axes that is adjacent
 * in the input's physical order: H, W of an NHWC tensor (the squeeze-excite mean), the trailing axes of a plain one.
 * The output keeps the kept axes in the input's physical order, so it is NHWC when 4-D (keepdims) and otherwise
 * plain, which needs the kept axes to be in logical order there (the other layout is tried when they are not).
 */
import type { ResolvedNode } from '../../../graph/resolve.js';
import type { ReduceAttrs, ReduceKind } from '../../../ops/reduce.js';
import type { ArenaKernel, Call, Layout, Slot } from '../types.js';

const PHYSICAL_4D: Record<Layout, number[]> = { nhwc: [0, 2, 3, 1], plain: [0, 1, 2, 3] };

/** y[o][i] = ⊕_m x[o][m][i] as one tiled call of c/reduce.c. */
export function reduceCall(kind: ReduceKind, y: Slot, x: Slot, outer: number, mid: number, inner: number): Call {
  return { fn: `reduce_${kind}`, args: [y.offset, x.offset, mid, inner], tiles: inner === 1 ? outer : outer * Math.ceil(inner / 4) };
}

/**
 * [outer, mid, inner] of reducing `axes` of `shape` stored in `layout`; undefined when they are not adjacent there
 * or when a plain output (rank ≠ 4) would not hold the kept axes in logical order.
 */
function split(shape: readonly number[], axes: readonly number[], layout: Layout, outRank: number): [number, number, number] | undefined {
  const order = shape.length === 4 ? PHYSICAL_4D[layout] : shape.map((_, i) => i);
  const at = order.map((a, j) => (axes.includes(a) ? j : -1)).filter((j) => j >= 0);
  if (at[at.length - 1]! - at[0]! + 1 !== at.length) return undefined;
  const kept = order.filter((a) => !axes.includes(a));
  if (outRank !== 4 && kept.some((a, j) => j > 0 && a < kept[j - 1]!)) return undefined;
  const prod = (js: number[]) => js.reduce((p, j) => p * shape[order[j]!]!, 1);
  const js = order.map((_, j) => j);
  return [prod(js.slice(0, at[0])), prod(at), prod(js.slice(at[at.length - 1]! + 1))];
}

function plan(rn: ResolvedNode, layout: Layout) {
  const a = rn.attrs as ReduceAttrs;
  const xs = rn.inputShapes[0]!;
  if (a.axes.length === 0 || xs.some((d) => d === 0) || (xs.length !== 4 && layout !== 'plain')) return undefined;
  return split(xs, a.axes, layout, a.outShape.length);
}

export function reduceKernel(kind: ReduceKind): ArenaKernel {
  return {
    layouts(rn, have) {
      const first: Layout = have[0] ?? 'plain';
      const layout = ([first, first === 'nhwc' ? 'plain' : 'nhwc'] as Layout[]).find((l) => plan(rn, l));
      if (!layout) return undefined;
      const outLayout: Layout = rn.outputShapes[0]!.length === 4 ? layout : 'plain';
      return { inputs: [layout, ...rn.inputShapes.slice(1).map(() => undefined)], outputs: [outLayout] };
    },
    build(ctx) {
      const x = ctx.input(0)!;
      const [outer, mid, inner] = plan(ctx.node, x.layout)!;
      return [reduceCall(kind, ctx.output(0), x, outer, mid, inner)];
    },
  };
}
