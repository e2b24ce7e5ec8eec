import batchnormWgsl from '../../../shaders/batchnorm.wgsl?raw';
import { GpuError } from '../../errors.js';
import { isInt, type Value } from '../../graph/ir.js';
import { physicalStrides } from '../layout.js';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import type { BatchNormAttrs } from '../../ops/batchnorm.js';
import { grid1D, WG } from './copy.gpu.js';

const params = defineParams([
  ['n', 'u32'],
  ['C', 'u32'],
  ['cstride', 'u32'],
]);
const batchnormShader = shader('batchnorm', batchnormWgsl, params);

/** [m_0..m_C, s_0..s_C] with y = m·x + s, folded in float64 from scale, B, mean, var and ε. */
export function foldBatchNorm(scale: ArrayLike<number>, bias: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, epsilon: number): Float32Array {
  const c = scale.length;
  const out = new Float32Array(2 * c);
  for (let k = 0; k < c; k++) {
    const m = scale[k]! / Math.sqrt(variance[k]! + epsilon);
    out[k] = m;
    out[c + k] = bias[k]! - m * mean[k]!;
  }
  return out;
}

const values = (v: Value) => (isInt(v) ? v.ints : v.data);

const batchnormProgram: GpuProgram = {
  async build(rn, ctx) {
    const xs = rn.inputShapes[0]!;
    const n = sizeOf(xs);
    const stats = [1, 2, 3, 4].map((i) => ctx.constant(i));
    if (stats.some((v) => v === undefined))
      throw new GpuError(`BatchNormalization node "${rn.node.name}": scale, B, mean and var must be constants on the GPU`, 'GPU_UNSUPPORTED');
    if (n === 0) return { dispatches: [] };
    const [scale, bias, mean, variance] = stats.map((v) => values(v!));
    const folded = foldBatchNorm(scale!, bias!, mean!, variance!, (rn.attrs as BatchNormAttrs).epsilon);
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(batchnormShader, { WG }),
          bindings: [
            ctx.uniform(params, { n, C: xs[1]!, cstride: physicalStrides(xs)[1]! }, `${rn.node.name}.params`),
            { kind: 'input', index: 0 },
            ctx.constBuffer(folded, `${rn.node.name}.scale_shift`),
            { kind: 'output', index: 0 },
          ],
          workgroups: grid1D(n, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const batchnormGpu: [string, GpuProgram][] = [['BatchNormalization', batchnormProgram]];
