import binaryWgsl from '../../../shaders/binary.wgsl?raw';
import { GpuError } from '../../errors.js';
import { physicalStrides } from '../layout.js';
import { defineParams } from '../params.js';
import type { BindingRef, Dispatch, GpuBuildCtx, GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf, type Shape } from '../../tensor.js';
import { broadcastShapes } from '../../ops/broadcast.js';
import { dimDecls, dimFields, grid1D, MAX_DIMS, reshapeDispatches, simplify, WG } from './copy.gpu.js';

const params = defineParams([
  ['n', 'u32'],
  ['mid', 'u32'],
  ['inner', 'u32'],
  ...dimDecls('d', 'u32'),
  ...dimDecls('sa', 'i32'),
  ...dimDecls('sb', 'i32'),
]);
type Field = (typeof params.fields)[number][0];
const SCALAR_XT = 'alias XT = f32;\nfn apply_xt(p: f32, q: f32) -> f32 {\n  return apply(p, q);\n}\n';
const VEC4_XT = 'alias XT = vec4<f32>;\nfn apply_xt(p: XT, q: XT) -> XT {\n  return XT(apply(p.x, q.x), apply(p.y, q.y), apply(p.z, q.z), apply(p.w, q.w));\n}\n';
/** Scalar, and vec4 (4 elements per invocation) where the plan's indexing allows it (BinaryPlan.vec4). */
const BINARY_SHADERS = { scalar: shader('binary', SCALAR_XT + binaryWgsl, params), vec4: shader('binary.v4', VEC4_XT + binaryWgsl, params) };

const OP_CODE: Record<string, number> = {
  Add: 0, Sub: 1, Mul: 2, Div: 3, PRelu: 4, Max: 5, Min: 6, Equal: 7, NotEqual: 8, Less: 9, LessOrEqual: 10, Greater: 11,
  GreaterOrEqual: 12, And: 13, Or: 14, FloorMod: 15, Atan2: 16, Pow: 17,
};

/** How shaders/binary.wgsl indexes the operands; see its header. */
export const BinaryKind = { Same: 0, RowB: 1, RowA: 2, General: 3 } as const;
export type BinaryKind = (typeof BinaryKind)[keyof typeof BinaryKind];

export interface BinaryPlan {
  kind: BinaryKind;
  ndim: number;
  values: Record<Field, number>;
  /** 4 elements per invocation: same-shape with n % 4 == 0, or a row broadcast with inner % 4 == 0 (values in vec4s) */
  vec4?: boolean;
}

/** The plan in vec4 units where its indexing allows (see BinaryPlan.vec4). */
export function asVec4(p: BinaryPlan): BinaryPlan {
  const { n, inner } = p.values;
  const ok = (p.kind === BinaryKind.Same && n % 4 === 0) || ((p.kind === BinaryKind.RowA || p.kind === BinaryKind.RowB) && inner % 4 === 0);
  return ok ? { ...p, vec4: true, values: { ...p.values, n: n / 4, inner: p.kind === BinaryKind.Same ? inner : inner / 4 } } : p;
}

const eq = (p: readonly number[], q: readonly number[]) => p.length === q.length && p.every((v, k) => v === q[k]);

/** [mid, inner] when `s` (strides over merged dims `d`) reads one [outer, 1, inner] row block per output row. */
function rowBroadcast(d: readonly number[], s: readonly number[]): [number, number] | undefined {
  if (d.length === 1 && s[0] === 0) return [d[0]!, 1];
  if (d.length === 2 && s[0] === 0 && s[1] === 1) return [d[0]!, d[1]!];
  if (d.length === 2 && s[0] === 1 && s[1] === 0) return [d[1]!, 1];
  if (d.length === 3 && s[0] === d[2] && s[1] === 0 && s[2] === 1) return [d[1]!, d[2]!];
  return undefined;
}

/** Chooses the kernel variant for a ⊙ b -> y from the operands' physical strides along y's dims. */
export function planBinary(as: Shape, bs: Shape, ys: Shape): BinaryPlan {
  const r = ys.length;
  const along = (s: Shape) => {
    const p = physicalStrides(s);
    return ys.map((_, k) => {
      const j = k - (r - s.length);
      return j < 0 || s[j] === 1 ? 0 : p[j]!;
    });
  };
  const ax = simplify(ys, [physicalStrides(ys), along(as), along(bs)]);
  const [sy, sa, sb] = ax.strides as [number[], number[], number[]];
  const values = {
    n: sizeOf(ys),
    mid: 1,
    inner: 1,
    ...dimFields('d', ax.sizes, 1),
    ...dimFields('sa', sa, 0),
    ...dimFields('sb', sb, 0),
  } as Record<Field, number>;
  const fullA = eq(sa, sy);
  const fullB = eq(sb, sy);
  if (fullA && fullB) return { kind: BinaryKind.Same, ndim: 0, values };
  const rowB = fullA ? rowBroadcast(ax.sizes, sb) : undefined;
  const rowA = !rowB && fullB ? rowBroadcast(ax.sizes, sa) : undefined;
  const row = rowB ?? rowA;
  if (row) return { kind: rowB ? BinaryKind.RowB : BinaryKind.RowA, ndim: 0, values: { ...values, mid: row[0], inner: row[1] } };
  if (ax.sizes.length > MAX_DIMS)
    throw new GpuError(`broadcast of [${as.join(', ')}] and [${bs.join(', ')}] needs ${ax.sizes.length} dims, the kernel has ${MAX_DIMS}`, 'GPU_UNSUPPORTED');
  return { kind: BinaryKind.General, ndim: ax.sizes.length, values };
}

async function binaryDispatch(
  ctx: GpuBuildCtx, op: string, as: Shape, bs: Shape, ys: Shape, a: BindingRef, b: BindingRef, y: BindingRef, label: string,
): Promise<Dispatch> {
  const plan = asVec4(planBinary(as, bs, ys));
  const constants = { WG, OP: OP_CODE[op]!, KIND: plan.kind, NDIM: plan.ndim };
  return {
    pipeline: await ctx.pipeline(plan.vec4 ? BINARY_SHADERS.vec4 : BINARY_SHADERS.scalar, constants),
    bindings: [ctx.uniform(params, plan.values, `${label}.params`), a, b, y],
    workgroups: grid1D(plan.values.n, ctx),
    label,
  };
}

/**
 * Two inputs: one dispatch. Variadic Max/Min with k > 2 inputs: k − 1 dispatches, each folding the next input
 * into the running result (held in two ping-pong scratch buffers, the last written to the output); one input
 * is a copy.
 */
const binaryProgram: GpuProgram = {
  async build(rn, ctx) {
    const ys = rn.outputShapes[0]!;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    const shapes = rn.inputShapes;
    const name = rn.node.name;
    if (shapes.length === 1) return { dispatches: await reshapeDispatches(ctx, shapes[0]!, ys, input(0), output(0), name) };
    const scratch = shapes.length > 2 ? [ctx.scratch(n * 4, `${name}.acc0`), ctx.scratch(n * 4, `${name}.acc1`)] : [];
    const dispatches: Dispatch[] = [];
    let acc: BindingRef = input(0);
    let accShape = shapes[0]!;
    for (let k = 1; k < shapes.length; k++) {
      const last = k === shapes.length - 1;
      const outShape = last ? ys : broadcastShapes([accShape, shapes[k]!], (m) => new GpuError(`${name}: ${m}`));
      const dst = last ? output(0) : scratch[k % 2]!;
      dispatches.push(await binaryDispatch(ctx, rn.node.op, accShape, shapes[k]!, outShape, acc, input(k), dst, shapes.length > 2 ? `${name}.${k}` : name));
      acc = dst;
      accShape = outShape;
    }
    return { dispatches };
  },
};

const input = (index: number): BindingRef => ({ kind: 'input', index });
const output = (index: number): BindingRef => ({ kind: 'output', index });

export const binaryGpu: [string, GpuProgram][] = Object.keys(OP_CODE).map((op) => [op, binaryProgram]);
