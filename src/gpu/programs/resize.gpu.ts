import resizeWgsl from '../../../shaders/resize.wgsl?raw';
import { layoutOf } from '../layout.js';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import { grid1D, WG } from './copy.gpu.js';
import { axisTable, type AxisTable, type ResizeAttrs } from '../../ops/resize.js';
import { resizeUp2Dispatch, resizeUp2Eligible } from '../kernels/resize-up2.js';

const params = defineParams([
  ['n', 'u32'],
  ['inner', 'u32'],
  ['ih', 'u32'],
  ['iw', 'u32'],
  ['oh', 'u32'],
  ['ow', 'u32'],
  ['w_off', 'u32'],
]);
/** Scalar, and vec4 over channels where the inner (channel) size is a multiple of 4. */
const RESIZE_SHADERS = { scalar: shader('resize', 'alias XT = f32;\n' + resizeWgsl, params), vec4: shader('resize.v4', 'alias XT = vec4<f32>;\n' + resizeWgsl, params) };

function packTables(th: AxisTable, tw: AxisTable): Float32Array {
  const out = new Float32Array(3 * (th.i0.length + tw.i0.length));
  let k = 0;
  for (const t of [th, tw])
    for (let j = 0; j < t.i0.length; j++) {
      out[k++] = t.i0[j]!;
      out[k++] = t.i1[j]!;
      out[k++] = t.w[j]!;
    }
  return out;
}

const resizeProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as ResizeAttrs;
    const ys = rn.outputShapes[0]!;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    const inner = layoutOf(ys) === 'nhwc' ? ys[1]! : 1;
    if (layoutOf(ys) === 'nhwc' && resizeUp2Eligible(a, inner))
      return { dispatches: [await resizeUp2Dispatch(ctx, a, ys[0]!, inner, { kind: 'input', index: 0 }, { kind: 'output', index: 0 }, rn.node.name)] };
    const table = packTables(axisTable(a.h, a.mode, a.nearest), axisTable(a.w, a.mode, a.nearest));
    const lanes = inner % 4 === 0 ? 4 : 1;
    const values = { n: n / lanes, inner: inner / lanes, ih: a.h.inSize, iw: a.w.inSize, oh: a.h.outSize, ow: a.w.outSize, w_off: 3 * a.h.outSize };
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(lanes === 4 ? RESIZE_SHADERS.vec4 : RESIZE_SHADERS.scalar, { WG, LINEAR: a.mode === 'linear' ? 1 : 0 }),
          bindings: [
            ctx.uniform(params, values, `${rn.node.name}.params`),
            { kind: 'input', index: 0 },
            ctx.constBuffer(table, `${rn.node.name}.table`),
            { kind: 'output', index: 0 },
          ],
          workgroups: grid1D(n / lanes, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const resizeGpu: [string, GpuProgram][] = [['Resize', resizeProgram]];
