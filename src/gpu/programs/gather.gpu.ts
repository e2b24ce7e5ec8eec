import gatherWgsl from '../../../shaders/gather.wgsl?raw';
import { GpuError } from '../../errors.js';
import { defineParams } from '../params.js';
import type { BindingRef, GpuBuildCtx, GpuNodeProgram, GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import type { ResolvedNode } from '../../graph/resolve.js';
import { sizeOf, stridesOf } from '../../tensor.js';
import { dimDecls, dimFields, grid1D, MAX_DIMS, rowMajorView, WG } from './copy.gpu.js';
import type { GatherNDAttrs } from '../../ops/gathernd.js';

const params = defineParams([
  ['n', 'u32'],
  ['inner', 'u32'],
  ['rows', 'u32'],
  ['batch_stride', 'u32'],
  ...dimDecls('d', 'u32'),
  ...dimDecls('s', 'u32'),
]);
type Field = (typeof params.fields)[number][0];
const gatherShader = shader('gather', gatherWgsl, params);

/** Stages data, indices and output through row-major buffers where they are NHWC, around one gather dispatch. */
async function gatherProgram(
  rn: ResolvedNode, ctx: GpuBuildCtx, mode: number, k: number, values: Record<Field, number>,
): Promise<GpuNodeProgram> {
  const ys = rn.outputShapes[0]!;
  if (sizeOf(ys) === 0) return { dispatches: [] };
  const name = rn.node.name;
  const io = (kind: 'input' | 'output', index: number): BindingRef => ({ kind, index });
  const x = await rowMajorView(ctx, rn.inputShapes[0]!, io('input', 0), 'in', `${name}.data`);
  const ind = await rowMajorView(ctx, rn.inputShapes[1]!, io('input', 1), 'in', `${name}.indices`);
  const y = await rowMajorView(ctx, ys, io('output', 0), 'out', `${name}.out`);
  const main = {
    pipeline: await ctx.pipeline(gatherShader, { WG, MODE: mode, K: k }),
    bindings: [ctx.uniform(params, values, `${name}.params`), x.ref, ind.ref, y.ref],
    workgroups: grid1D(sizeOf(ys), ctx),
    label: name,
  };
  return { dispatches: [...x.dispatches, ...ind.dispatches, main, ...y.dispatches] };
}

const gather: GpuProgram = {
  build(rn, ctx) {
    const { axis } = rn.attrs as { axis: number };
    const s = rn.inputShapes[0]!;
    const values = {
      n: sizeOf(rn.outputShapes[0]!),
      inner: sizeOf(s.slice(axis + 1)),
      rows: sizeOf(rn.inputShapes[1]!),
      batch_stride: 0,
      ...dimFields('d', [s[axis]!], 1),
      ...dimFields('s', [0], 0),
    } as Record<Field, number>;
    return gatherProgram(rn, ctx, 0, 1, values);
  },
};

const gatherND: GpuProgram = {
  build(rn, ctx) {
    const a = rn.attrs as GatherNDAttrs;
    const ds = rn.inputShapes[0]!;
    if (a.k > MAX_DIMS) throw new GpuError(`GatherND node "${rn.node.name}": index tuples of ${a.k} > ${MAX_DIMS} dims`, 'GPU_UNSUPPORTED');
    const st = stridesOf(ds);
    const indexed = ds.slice(a.batchDims, a.batchDims + a.k);
    const rows = sizeOf(rn.inputShapes[1]!) / a.k;
    const values = {
      n: sizeOf(rn.outputShapes[0]!),
      inner: sizeOf(ds.slice(a.batchDims + a.k)),
      rows: rows / Math.max(1, sizeOf(ds.slice(0, a.batchDims))),
      batch_stride: a.batchDims > 0 ? st[a.batchDims - 1]! : 0,
    } as Record<Field, number>;
    // t = 0 is the outermost indexed dim: d_t / s_t in that order
    for (let t = 0; t < MAX_DIMS; t++) {
      values[`d${t}` as Field] = indexed[t] ?? 1;
      values[`s${t}` as Field] = t < a.k ? st[a.batchDims + t]! : 0;
    }
    return gatherProgram(rn, ctx, 1, a.k, values);
  },
};

export const gatherGpu: [string, GpuProgram][] = [
  ['Gather', gather],
  ['GatherND', gatherND],
];
