import stridedCopyWgsl from '../../../shaders/strided_copy.wgsl?raw';
import { GpuError } from '../../errors.js';
import { physicalStrides } from '../layout.js';
import { defineParams } from '../params.js';
import { grid, type BindingRef, type Dispatch, type GpuBuildCtx, type GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor.js';
import type { SliceAttrs } from '../../ops/slice.js';
import type { SplitAttrs } from '../../ops/split.js';

/** Workgroup size of every 1-D elementwise kernel. */
export const WG = 256;
/** Index-space dims the strided kernels decompose (after merging). */
export const MAX_DIMS = 6;

/** Workgroups for one invocation per element, split over x/y past maxComputeWorkgroupsPerDimension. */
export function grid1D(n: number, ctx: GpuBuildCtx): [number, number, number] {
  return grid(Math.ceil(n / WG), ctx.limits);
}

/** An index space (outermost first) and, per tensor, the element stride of each of its dims. */
export interface Axes {
  sizes: number[];
  strides: number[][];
}

/**
 * Canonical form of an index space walked by several strided tensors: size-1 dims dropped, dims ordered by the
 * stride of tensor `driver` (largest first, so the innermost dim is the driver's most contiguous one), and
 * adjacent dims merged wherever every tensor steps through them contiguously.
 */
export function simplify(sizes: readonly number[], strides: readonly (readonly number[])[], driver = 0): Axes {
  const keep = sizes.map((_, k) => k).filter((k) => sizes[k] !== 1);
  keep.sort((p, q) => Math.abs(strides[driver]![q]!) - Math.abs(strides[driver]![p]!));
  const out: Axes = { sizes: [], strides: strides.map(() => []) };
  for (const k of keep) {
    const d = sizes[k]!;
    const m = out.sizes.length - 1;
    if (m >= 0 && strides.every((s, t) => out.strides[t]![m] === s[k]! * d)) {
      out.sizes[m]! *= d;
      strides.forEach((s, t) => (out.strides[t]![m] = s[k]!));
    } else {
      out.sizes.push(d);
      strides.forEach((s, t) => out.strides[t]!.push(s[k]!));
    }
  }
  return out;
}

/** Fills `<prefix><k>` fields innermost-first from an outermost-first list, padding with `pad`. */
export function dimFields(prefix: string, values: readonly number[], pad: number): Record<string, number> {
  const r: Record<string, number> = {};
  for (let k = 0; k < MAX_DIMS; k++) r[`${prefix}${k}`] = values[values.length - 1 - k] ?? pad;
  return r;
}

export function dimDecls<P extends string>(prefix: P, type: 'u32' | 'i32'): (readonly [`${P}${number}`, 'u32' | 'i32'])[] {
  return Array.from({ length: MAX_DIMS }, (_, k) => [`${prefix}${k}` as `${P}${number}`, type] as const);
}

const copyParams = defineParams([
  ['n', 'u32'],
  ['x_off', 'i32'],
  ['y_off', 'i32'],
  ...dimDecls('d', 'u32'),
  ...dimDecls('s', 'i32'),
  ...dimDecls('t', 'i32'),
]);
const copyShader = shader('strided_copy', stridedCopyWgsl, copyParams);

/** One strided copy: the index space `sizes` (outermost first) walks x with `src` strides and y with `dst`. */
export interface CopyPlan {
  sizes: readonly number[];
  src: readonly number[];
  dst: readonly number[];
  srcOffset?: number;
  dstOffset?: number;
}

export async function copyDispatch(ctx: GpuBuildCtx, plan: CopyPlan, x: BindingRef, y: BindingRef, label: string): Promise<Dispatch | undefined> {
  const n = sizeOf(plan.sizes);
  if (n === 0) return undefined;
  const ax = simplify(plan.sizes, [plan.dst, plan.src]);
  if (ax.sizes.length > MAX_DIMS)
    throw new GpuError(`${label}: strided copy needs ${ax.sizes.length} dims after merging, the kernel has ${MAX_DIMS}`, 'GPU_UNSUPPORTED');
  const [dst, src] = ax.strides as [number[], number[]];
  const params = ctx.uniform(
    copyParams,
    {
      n,
      x_off: plan.srcOffset ?? 0,
      y_off: plan.dstOffset ?? 0,
      ...dimFields('d', ax.sizes, 1),
      ...dimFields('s', src, 0),
      ...dimFields('t', dst, 0),
    } as Record<(typeof copyParams.fields)[number][0], number>,
    `${label}.params`,
  );
  return {
    pipeline: await ctx.pipeline(copyShader, { WG, NDIM: ax.sizes.length }),
    bindings: [params, x, y],
    workgroups: grid1D(n, ctx),
    label,
  };
}

/** Whether the physical buffer of `shape` holds it in logical row-major order (size-1 dims are free). */
function isRowMajor(shape: Shape): boolean {
  const p = physicalStrides(shape);
  const r = stridesOf(shape);
  return shape.every((d, k) => d === 1 || p[k] === r[k]);
}

/**
 * The coarsest shape that refines both `a` and `b` (each of their dims is a product of consecutive dims of it),
 * as cut points: suffix products in increasing order. Undefined when none exists (e.g. [4, 6] vs [6, 4]).
 */
function commonCuts(a: Shape, b: Shape): number[] | undefined {
  const cuts = new Set<number>([1]);
  for (const s of [a, b]) {
    let p = 1;
    for (let k = s.length - 1; k >= 0; k--) cuts.add((p *= s[k]!));
  }
  const sorted = [...cuts].sort((p, q) => p - q);
  for (let k = 1; k < sorted.length; k++) if (sorted[k]! % sorted[k - 1]! !== 0) return undefined;
  return sorted;
}

/** Strides (outermost first) of the refined dims between `cuts` for a tensor of `shape` with physical `phys`. */
function refinedStrides(shape: Shape, phys: readonly number[], cuts: readonly number[]): number[] {
  const out: number[] = [];
  let k = shape.length - 1;
  let lo = 1; // suffix product below dim k
  for (let m = 0; m + 1 < cuts.length; m++) {
    while (cuts[m]! >= lo * shape[k]!) lo *= shape[k--]!;
    out.unshift(phys[k]! * (cuts[m]! / lo));
  }
  return out;
}

/**
 * Copies x (shape `from`) into y (shape `to`) preserving the logical row-major order: one dispatch when both
 * buffers are row-major or the two shapes have a common refinement (channel shuffle, flatten of NHWC), else
 * two through a row-major scratch buffer.
 */
export async function reshapeDispatches(ctx: GpuBuildCtx, from: Shape, to: Shape, x: BindingRef, y: BindingRef, label: string): Promise<Dispatch[]> {
  const n = sizeOf(from);
  if (n === 0) return [];
  const one = async (plan: CopyPlan, a: BindingRef, b: BindingRef, l: string) => {
    const d = await copyDispatch(ctx, plan, a, b, l);
    return d ? [d] : [];
  };
  if (isRowMajor(from) && isRowMajor(to)) return one({ sizes: [n], src: [1], dst: [1] }, x, y, label);
  const cuts = commonCuts(from, to);
  if (cuts) {
    const sizes = cuts.slice(1).map((c, m) => c / cuts[m]!).reverse();
    return one({ sizes, src: refinedStrides(from, physicalStrides(from), cuts), dst: refinedStrides(to, physicalStrides(to), cuts) }, x, y, label);
  }
  const tmp = ctx.scratch(n * 4, `${label}.rowmajor`);
  return [
    ...(await one({ sizes: from, src: physicalStrides(from), dst: stridesOf(from) }, x, tmp, `${label}.in`)),
    ...(await one({ sizes: to, src: stridesOf(to), dst: physicalStrides(to) }, tmp, y, `${label}.out`)),
  ];
}

const input = (index: number): BindingRef => ({ kind: 'input', index });
const output = (index: number): BindingRef => ({ kind: 'output', index });
const compact = (ds: (Dispatch | undefined)[]): Dispatch[] => ds.filter((d): d is Dispatch => d !== undefined);

/** Output i is input 0 reinterpreted (Identity, Dropout, Flatten, Reshape, Squeeze, Unsqueeze). */
const reshapeProgram: GpuProgram = {
  async build(rn, ctx) {
    const dispatches = await reshapeDispatches(ctx, rn.inputShapes[0]!, rn.outputShapes[0]!, input(0), output(0), rn.node.name);
    return { dispatches };
  },
};

/** Inference Dropout: a copy, plus an all-ones mask when output 1 is requested. */
const dropoutProgram: GpuProgram = {
  async build(rn, ctx) {
    const dispatches = await reshapeDispatches(ctx, rn.inputShapes[0]!, rn.outputShapes[0]!, input(0), output(0), rn.node.name);
    if (rn.outputShapes.length > 1) {
      const n = sizeOf(rn.outputShapes[1]!);
      const ones = ctx.constBuffer(new Float32Array(n).fill(1), `${rn.node.name}.ones`);
      const d = await copyDispatch(ctx, { sizes: [n], src: [1], dst: [1] }, ones, output(1), `${rn.node.name}.mask`);
      if (d) dispatches.push(d);
    }
    return { dispatches };
  },
};

const transposeProgram: GpuProgram = {
  async build(rn, ctx) {
    const { perm } = rn.attrs as { perm: number[] };
    const s = rn.inputShapes[0]!;
    const out = rn.outputShapes[0]!;
    const px = physicalStrides(s);
    const plan = { sizes: out, src: perm.map((p) => px[p]!), dst: physicalStrides(out) };
    return { dispatches: compact([await copyDispatch(ctx, plan, input(0), output(0), rn.node.name)]) };
  },
};

const sliceProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as SliceAttrs;
    const px = physicalStrides(rn.inputShapes[0]!);
    const plan = {
      sizes: a.shape,
      src: a.steps.map((st, k) => st * px[k]!),
      dst: physicalStrides(a.shape),
      srcOffset: a.starts.reduce((o, b, k) => o + b * px[k]!, 0),
    };
    return { dispatches: compact([await copyDispatch(ctx, plan, input(0), output(0), rn.node.name)]) };
  },
};

/** One dispatch per input, each writing its block of the output at its offset along `axis`. */
const concatProgram: GpuProgram = {
  async build(rn, ctx) {
    const { axis } = rn.attrs as { axis: number };
    const py = physicalStrides(rn.outputShapes[0]!);
    let at = 0;
    const ds = await Promise.all(
      rn.inputShapes.map((s, i) => {
        const plan = { sizes: s, src: physicalStrides(s), dst: py, dstOffset: at * py[axis]! };
        at += s[axis]!;
        return copyDispatch(ctx, plan, input(i), output(0), `${rn.node.name}.in${i}`);
      }),
    );
    return { dispatches: compact(ds) };
  },
};

/** One dispatch per output, each reading its block of the input from its offset along `axis`. */
const splitProgram: GpuProgram = {
  async build(rn, ctx) {
    const { axis, sizes } = rn.attrs as SplitAttrs;
    const px = physicalStrides(rn.inputShapes[0]!);
    let at = 0;
    const ds = await Promise.all(
      rn.outputShapes.map((s, i) => {
        const plan = { sizes: s, src: px, dst: physicalStrides(s), srcOffset: at * px[axis]! };
        at += sizes[i]!;
        return copyDispatch(ctx, plan, input(0), output(i), `${rn.node.name}.out${i}`);
      }),
    );
    return { dispatches: compact(ds) };
  },
};

export const copyGpu: [string, GpuProgram][] = [
  ['Identity', reshapeProgram],
  ['Flatten', reshapeProgram],
  ['Reshape', reshapeProgram],
  ['Squeeze', reshapeProgram],
  ['Unsqueeze', reshapeProgram],
  ['Dropout', dropoutProgram],
  ['Transpose', transposeProgram],
  ['Slice', sliceProgram],
  ['Concat', concatProgram],
  ['Split', splitProgram],
];

/**
 * For kernels that index row-major buffers: `ref` itself when `shape`'s physical layout is row-major, else a
 * scratch buffer filled (input) or drained (output) by one strided copy from/to the physical layout.
 */
export async function rowMajorView(
  ctx: GpuBuildCtx, shape: Shape, ref: BindingRef, direction: 'in' | 'out', label: string,
): Promise<{ ref: BindingRef; dispatches: Dispatch[] }> {
  if (isRowMajor(shape)) return { ref, dispatches: [] };
  const tmp = ctx.scratch(Math.max(4, sizeOf(shape) * 4), `${label}.rowmajor`);
  const plan = direction === 'in'
    ? { sizes: shape, src: physicalStrides(shape), dst: stridesOf(shape) }
    : { sizes: shape, src: stridesOf(shape), dst: physicalStrides(shape) };
  const d = direction === 'in' ? await copyDispatch(ctx, plan, ref, tmp, label) : await copyDispatch(ctx, plan, tmp, ref, label);
  return { ref: tmp, dispatches: d ? [d] : [] };
}
