import l2mWgsl from '../../../shaders/landmarks_to_matrix.wgsl?raw';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import type { LandmarksToMatrixAttrs } from '../../ops/landmarkstotransformmatrix.js';

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

export const landmarksToMatrixGpu: [string, GpuProgram][] = [['Landmarks2TransformMatrix', landmarksToMatrix]];
