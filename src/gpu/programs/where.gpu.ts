import whereWgsl from '../../../shaders/where.wgsl?raw';
import { GpuError } from '../../errors.js';
import { physicalStrides } from '../layout.js';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf, type Shape } from '../../tensor.js';
import { dimDecls, dimFields, grid1D, MAX_DIMS, simplify, WG } from './copy.gpu.js';

const params = defineParams([['n', 'u32'], ...dimDecls('d', 'u32'), ...dimDecls('sc', 'i32'), ...dimDecls('sa', 'i32'), ...dimDecls('sb', 'i32')]);
type Field = (typeof params.fields)[number][0];
const whereShader = shader('where', whereWgsl, params);

/** Physical strides of operand `s` along the output's dims `ys` (0 where broadcast). */
function along(s: Shape, ys: Shape): number[] {
  const p = physicalStrides(s);
  return ys.map((_, k) => {
    const j = k - (ys.length - s.length);
    return j < 0 || s[j] === 1 ? 0 : p[j]!;
  });
}

const whereProgram: GpuProgram = {
  async build(rn, ctx) {
    const ys = rn.outputShapes[0]!;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    const ax = simplify(ys, [physicalStrides(ys), ...rn.inputShapes.map((s) => along(s!, ys))]);
    if (ax.sizes.length > MAX_DIMS) throw new GpuError(`${rn.node.name}: Where over ${ax.sizes.length} dims, the kernel has ${MAX_DIMS}`, 'GPU_UNSUPPORTED');
    const [, sc, sa, sb] = ax.strides as [number[], number[], number[], number[]];
    const values = { n, ...dimFields('d', ax.sizes, 1), ...dimFields('sc', sc, 0), ...dimFields('sa', sa, 0), ...dimFields('sb', sb, 0) } as Record<Field, number>;
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(whereShader, { WG, NDIM: ax.sizes.length }),
          bindings: [ctx.uniform(params, values, `${rn.node.name}.params`), ...[0, 1, 2].map((index) => ({ kind: 'input' as const, index })), { kind: 'output', index: 0 }],
          workgroups: grid1D(n, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const whereGpu: [string, GpuProgram][] = [['Where', whereProgram]];
