import topkWgsl from '../../../shaders/topk.wgsl?raw';
import { defineParams } from '../params.js';
import { grid, type BindingRef, type GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import { rowMajorView } from './copy.gpu.js';
import type { TopKAttrs } from '../../ops/topk.js';

const params = defineParams([['lines', 'u32'], ['n', 'u32'], ['inner', 'u32'], ['k', 'u32']]);
const topkShader = shader('topk', topkWgsl, params);
const WG = 64;

/** One invocation per line (see shaders/topk.wgsl); 4-D operands go through row-major scratch copies. */
const topkProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as TopKAttrs;
    const xs = rn.inputShapes[0]!;
    const ys = rn.outputShapes[0]!;
    if (sizeOf(ys) === 0) return { dispatches: [] };
    const name = rn.node.name;
    const x = await rowMajorView(ctx, xs, { kind: 'input', index: 0 }, 'in', `${name}.x`);
    const outs = [0, 1].map((index) => rowMajorView(ctx, ys, { kind: 'output', index } as BindingRef, 'out', `${name}.y${index}`));
    const [v, ix] = await Promise.all(outs);
    const inner = sizeOf(xs.slice(a.axis + 1));
    const lines = sizeOf(xs.slice(0, a.axis)) * inner;
    return {
      dispatches: [
        ...x.dispatches,
        {
          pipeline: await ctx.pipeline(topkShader, { WG, LARGEST: a.largest ? 1 : 0 }),
          bindings: [ctx.uniform(params, { lines, n: xs[a.axis]!, inner, k: a.k }, `${name}.params`), x.ref, v!.ref, ix!.ref],
          workgroups: grid(Math.ceil(lines / WG), ctx.limits),
          label: name,
        },
        ...v!.dispatches,
        ...ix!.dispatches,
      ],
    };
  },
};

export const topkGpu: [string, GpuProgram][] = [['TopK', topkProgram]];
