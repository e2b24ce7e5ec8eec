import ttbWgsl from '../../../shaders/transform_tensor_bilinear.wgsl?raw';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import { grid1D, rowMajorView, WG } from './copy.gpu.js';
import type { TransformTensorBilinearAttrs } from '../../ops/transformtensorbilinear.js';

const ttbParams = defineParams([['c', 'u32'], ['h', 'u32'], ['w', 'u32'], ['oh', 'u32'], ['ow', 'u32']]);
const ttbShader = shader('transform_tensor_bilinear', ttbWgsl, ttbParams);

/** One invocation per output element, on the NHWC buffers (src/gpu/layout.ts) as they are. */
const transformTensorBilinear: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as TransformTensorBilinearAttrs;
    const [, c, h, w] = rn.inputShapes[0]! as [number, number, number, number];
    const n = sizeOf(rn.outputShapes[0]!);
    if (n === 0) return { dispatches: [] };
    const name = rn.node.name;
    const m = await rowMajorView(ctx, rn.inputShapes[1]!, { kind: 'input', index: 1 }, 'in', `${name}.matrix`);
    return {
      dispatches: [
        ...m.dispatches,
        {
          pipeline: await ctx.pipeline(ttbShader, { WG }),
          bindings: [ctx.uniform(ttbParams, { c, h, w, oh: a.outH, ow: a.outW }, `${name}.params`), { kind: 'input', index: 0 }, m.ref, { kind: 'output', index: 0 }],
          workgroups: grid1D(n, ctx),
          label: name,
        },
      ],
    };
  },
};

export const transformTensorBilinearGpu: [string, GpuProgram][] = [['TransformTensorBilinear', transformTensorBilinear]];
