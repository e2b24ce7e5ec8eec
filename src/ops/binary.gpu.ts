import binaryWgsl from '../../shaders/binary.wgsl?raw';
import { GpuError } from '../errors.js';
import { physicalStrides } from '../gpu/layout.js';
import { defineParams } from '../gpu/params.js';
import type { GpuProgram } from '../gpu/program.js';
import { shader } from '../gpu/shader.js';
import { sizeOf, type Shape } from '../tensor.js';
import { dimDecls, dimFields, grid1D, MAX_DIMS, simplify, WG } from './copy.gpu.js';

const params = defineParams([
  ['n', 'u32'],
  ['mid', 'u32'],
  ['inner', 'u32'],
  ...dimDecls('d', 'u32'),
  ...dimDecls('sa', 'i32'),
  ...dimDecls('sb', 'i32'),
]);
type Field = (typeof params.fields)[number][0];
const binaryShader = shader('binary', binaryWgsl, params);

const OP_CODE: Record<string, number> = { Add: 0, Sub: 1, Mul: 2, Div: 3 };

/** How shaders/binary.wgsl indexes the operands; see its header. */
export const BinaryKind = { Same: 0, RowB: 1, RowA: 2, General: 3 } as const;
export type BinaryKind = (typeof BinaryKind)[keyof typeof BinaryKind];

export interface BinaryPlan {
  kind: BinaryKind;
  ndim: number;
  values: Record<Field, number>;
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

const binaryProgram: GpuProgram = {
  async build(rn, ctx) {
    const ys = rn.outputShapes[0]!;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    const plan = planBinary(rn.inputShapes[0]!, rn.inputShapes[1]!, ys);
    const constants = { WG, OP: OP_CODE[rn.node.op]!, KIND: plan.kind, NDIM: plan.ndim };
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(binaryShader, constants),
          bindings: [
            ctx.uniform(params, plan.values, `${rn.node.name}.params`),
            { kind: 'input', index: 0 },
            { kind: 'input', index: 1 },
            { kind: 'output', index: 0 },
          ],
          workgroups: grid1D(n, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const binaryGpu: [string, GpuProgram][] = Object.keys(OP_CODE).map((op) => [op, binaryProgram]);
