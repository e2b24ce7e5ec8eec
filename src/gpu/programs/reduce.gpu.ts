import reduceWgsl from '../../../shaders/reduce.wgsl?raw';
import channelMeanWgsl from '../../../shaders/channel_mean_register.wgsl?raw';
import { layoutOf } from '../layout.js';
import { kernelVariant } from '../variant.js';
import { GpuError } from '../../errors.js';
import type { Dispatch, GpuBuildCtx, GpuProgram } from '../program.js';
import { defineParams } from '../params.js';
import { physicalStrides } from '../layout.js';
import { grid } from '../program.js';
import type { Constants } from '../pipelines.js';
import { shader, type ShaderDef } from '../shader.js';
import { sizeOf, type Shape } from '../../tensor.js';
import { dimDecls, dimFields, MAX_DIMS, reshapeDispatches, simplify } from './copy.gpu.js';
import type { ArgAttrs } from '../../ops/argmax.js';
import type { ReduceAttrs } from '../../ops/reduce.js';

/** Params shared by the row-reduction kernels (reduce.wgsl, softmax.wgsl). */
export const rowParams = defineParams([
  ['n_out', 'u32'],
  ['n_red', 'u32'],
  ...dimDecls('k', 'u32'),
  ...dimDecls('ks', 'i32'),
  ...dimDecls('r', 'u32'),
  ...dimDecls('rs', 'i32'),
]);
type Field = (typeof rowParams.fields)[number][0];

/**
 * Rows of a reduction over `axes` of an input `xs` in its physical layout: the kept dims (ordered by
 * `keptOrder`'s strides, so row o is element o of a tensor with those strides) and the reduced dims.
 */
export interface RowPlan {
  nOut: number;
  nRed: number;
  kdim: number;
  rdim: number;
  values: Record<Field, number>;
}

export function rowPlan(xs: Shape, axes: readonly number[], keptOrder: readonly number[]): RowPlan {
  const px = physicalStrides(xs);
  const kept = xs.map((_, k) => k).filter((k) => !axes.includes(k));
  const ka = simplify(kept.map((k) => xs[k]!), [keptOrder, kept.map((k) => px[k]!)]);
  const ra = simplify(axes.map((k) => xs[k]!), [axes.map((k) => px[k]!)]);
  if (ka.sizes.length > MAX_DIMS || ra.sizes.length > MAX_DIMS)
    throw new GpuError(`reduction over [${axes.join(', ')}] of [${xs.join(', ')}] needs more than ${MAX_DIMS} dims`, 'GPU_UNSUPPORTED');
  return {
    nOut: sizeOf(kept.map((k) => xs[k]!)),
    nRed: sizeOf(axes.map((k) => xs[k]!)),
    kdim: ka.sizes.length,
    rdim: ra.sizes.length,
    values: {
      n_out: sizeOf(kept.map((k) => xs[k]!)),
      n_red: sizeOf(axes.map((k) => xs[k]!)),
      ...dimFields('k', ka.sizes, 1),
      ...dimFields('ks', ka.strides[1]!, 0),
      ...dimFields('r', ra.sizes, 1),
      ...dimFields('rs', ra.strides[0]!, 0),
    } as Record<Field, number>,
  };
}

/** Workgroup shape: WG_Y threads (a power of two, ≤ 64) share one row, WG_X rows per workgroup, 256 threads. */
export function rowWorkgroup(nRed: number): { WG_X: number; WG_Y: number } {
  let wy = 1;
  while (wy < 64 && wy * 32 <= nRed) wy *= 2;
  return { WG_X: 256 / wy, WG_Y: wy };
}

export function rowGrid(plan: RowPlan, wgX: number, ctx: GpuBuildCtx): [number, number, number] {
  return grid(Math.ceil(plan.nOut / wgX), ctx.limits);
}

/** A row-reduction kernel built on reduce_tree.wgsl, and the same with reduce_tree_subgroups.wgsl substituted. */
export function rowShaders(name: string, wgsl: string): { plain: ShaderDef; subgroups: ShaderDef } {
  const include = '// #include "reduce_tree.wgsl"';
  if (!wgsl.includes(include)) throw new Error(`${name}: a row-reduction kernel includes reduce_tree.wgsl`);
  return {
    plain: shader(name, wgsl, rowParams),
    subgroups: shader(`${name}_subgroups`, wgsl.replace(include, '// #include "reduce_tree_subgroups.wgsl"'), rowParams),
  };
}

/** The variant for ctx's device: subgroup shuffles where it has `subgroups`, with the adapter's smallest subgroup size. */
export function rowPipeline(ctx: GpuBuildCtx, defs: { plain: ShaderDef; subgroups: ShaderDef }, constants: Constants): Promise<GPUComputePipeline> {
  return ctx.device.features.has('subgroups')
    ? ctx.pipeline(defs.subgroups, { ...constants, SG_MIN: ctx.info.subgroupMinSize })
    : ctx.pipeline(defs.plain, constants);
}

const reduceShaders = rowShaders('reduce_mean', reduceWgsl);

/** OP codes of shaders/reduce.wgsl. */
const REDUCE_OP: Record<string, number> = {
  GlobalAveragePool: 0, ReduceMean: 0, ReduceSum: 1, ReduceMax: 2, ReduceMin: 3, ArgMax: 4, ArgMin: 5, ReduceProd: 6,
};

const channelMeanParams = defineParams([['hw', 'u32'], ['c4s', 'u32'], ['total', 'u32'], ['scale', 'f32']] as const);
const CHANNEL_MEAN_SHADER = shader('channel_mean.register', channelMeanWgsl, channelMeanParams);

/** The software-adapter kernel for a mean over H and W of NHWC with C % 4 == 0, when that is the reduction asked. */
export async function channelMeanDispatch(ctx: GpuBuildCtx, op: string, xs: Shape, axes: readonly number[], label: string): Promise<Dispatch | undefined> {
  const [n, c, h, w] = xs as [number, number, number, number];
  const hwAxes = axes.length === 2 && axes[0] === 2 && axes[1] === 3;
  if (REDUCE_OP[op] !== 0 || xs.length !== 4 || layoutOf(xs) !== 'nhwc' || !hwAxes || c % 4 !== 0 || h * w === 0) return undefined;
  if (kernelVariant(ctx.info) !== 'register') return undefined;
  const total = n * (c / 4);
  return {
    pipeline: await ctx.pipeline(CHANNEL_MEAN_SHADER),
    bindings: [ctx.uniform(channelMeanParams, { hw: h * w, c4s: c / 4, total, scale: 1 / (h * w) }, `${label}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
    workgroups: grid(Math.ceil(total / 64), ctx.limits),
    label,
  };
}

async function reduceDispatch(
  ctx: GpuBuildCtx, op: string, xs: Shape, ys: Shape, axes: readonly number[], label: string, selectLast = false,
): Promise<Dispatch[]> {
  if (sizeOf(ys) === 0) return [];
  const mean = await channelMeanDispatch(ctx, op, xs, axes, label);
  if (mean) return [mean];
  // The kept dims keep their order, so their output strides are those of ys with the reduced dims removed.
  const py = physicalStrides(ys);
  const keepdims = ys.length === xs.length;
  let j = 0;
  const outStride = xs.map((_, k) => (keepdims ? py[k]! : axes.includes(k) ? 0 : py[j++]!)).filter((_, k) => !axes.includes(k));
  const plan = rowPlan(xs, axes, outStride);
  const wg = rowWorkgroup(plan.nRed);
  return [
    {
      pipeline: await rowPipeline(ctx, reduceShaders, { ...wg, KDIM: plan.kdim, RDIM: plan.rdim, OP: REDUCE_OP[op]!, SELECT_LAST: selectLast ? 1 : 0 }),
      bindings: [ctx.uniform(rowParams, plan.values, `${label}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
      workgroups: rowGrid(plan, wg.WG_X, ctx),
      label,
    },
  ];
}

const globalAveragePoolProgram: GpuProgram = {
  async build(rn, ctx) {
    const xs = rn.inputShapes[0]!;
    const axes = xs.map((_, k) => k).slice(2);
    return { dispatches: await reduceDispatch(ctx, rn.node.op, xs, rn.outputShapes[0]!, axes, rn.node.name) };
  },
};

const reduceProgram: GpuProgram = {
  async build(rn, ctx) {
    const { axes } = rn.attrs as ReduceAttrs;
    const xs = rn.inputShapes[0]!;
    const ys = rn.outputShapes[0]!;
    // noop_with_empty_axes: a copy
    if (axes.length === 0) return { dispatches: await reshapeDispatches(ctx, xs, ys, { kind: 'input', index: 0 }, { kind: 'output', index: 0 }, rn.node.name) };
    return { dispatches: await reduceDispatch(ctx, rn.node.op, xs, ys, axes, rn.node.name) };
  },
};

const argProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as ArgAttrs;
    return { dispatches: await reduceDispatch(ctx, rn.node.op, rn.inputShapes[0]!, rn.outputShapes[0]!, [a.axis], rn.node.name, a.selectLast) };
  },
};

export const reduceGpu: [string, GpuProgram][] = [
  ['GlobalAveragePool', globalAveragePoolProgram],
  ...['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd'].map((op): [string, GpuProgram] => [op, reduceProgram]),
  ['ArgMax', argProgram],
  ['ArgMin', argProgram],
];
