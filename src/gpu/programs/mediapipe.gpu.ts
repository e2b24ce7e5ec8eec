import ttbWgsl from '../../../shaders/transform_tensor_bilinear.wgsl?raw';
import l2mWgsl from '../../../shaders/landmarks_to_matrix.wgsl?raw';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import { grid1D, rowMajorView, WG } from './copy.gpu.js';
import type { TransformTensorBilinearAttrs } from '../../ops/transformtensorbilinear.js';
import type { LandmarksToMatrixAttrs } from '../../ops/landmarkstotransformmatrix.js';

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

const l2mParams = defineParams([
  ['d', 'u32'], ['left', 'u32'], ['right', 'u32'], ['count', 'u32'],
  ['cos_t', 'f32'], ['sin_t', 'f32'], ['kx', 'f32'], ['ky', 'f32'], ['hx', 'f32'], ['hy', 'f32'],
]);
const l2mShader = shader('landmarks_to_matrix', l2mWgsl, l2mParams);

/** One invocation: the matrix is 16 values from a few hundred landmarks. */
const landmarksToMatrix: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as LandmarksToMatrixAttrs;
    const name = rn.node.name;
    const values = { d: rn.inputShapes[0]![2]!, left: a.left, right: a.right, count: a.subset.length, cos_t: a.cosT, sin_t: a.sinT, kx: a.kx, ky: a.ky, hx: a.hx, hy: a.hy };
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(l2mShader),
          bindings: [ctx.uniform(l2mParams, values, `${name}.params`), { kind: 'input', index: 0 }, ctx.constBuffer(Uint32Array.from(a.subset), `${name}.subset`), { kind: 'output', index: 0 }],
          workgroups: [1, 1, 1],
          label: name,
        },
      ],
    };
  },
};

export const mediapipeGpu: [string, GpuProgram][] = [
  ['TransformTensorBilinear', transformTensorBilinear],
  ['Landmarks2TransformMatrix', landmarksToMatrix],
];
