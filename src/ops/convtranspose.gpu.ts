import convTransposeWgsl from '../../shaders/convtranspose.wgsl?raw';
import { GpuError } from '../errors.js';
import { defineParams } from '../gpu/params.js';
import type { GpuBuildCtx, GpuProgram } from '../gpu/program.js';
import { shader } from '../gpu/shader.js';
import { asFloat } from './types.js';
import { sizeOf } from '../tensor.js';
import { grid1D, WG } from './copy.gpu.js';
import { packWeights, type ConvTransposeAttrs } from './convtranspose.js';

const params = defineParams([
  ['total', 'u32'],
  ['cin', 'u32'],
  ['cout', 'u32'],
  ['og', 'u32'],
  ['groups', 'u32'],
  ['h', 'u32'],
  ['w', 'u32'],
  ['oh', 'u32'],
  ['ow', 'u32'],
  ['kh', 'u32'],
  ['kw', 'u32'],
  ['stride_h', 'u32'],
  ['stride_w', 'u32'],
  ['dil_h', 'u32'],
  ['dil_w', 'u32'],
  ['pad_t', 'i32'],
  ['pad_l', 'i32'],
]);
const convTransposeShader = shader('convtranspose', convTransposeWgsl, params);

function constantInput(ctx: GpuBuildCtx, i: number, name: string, what: string): Float32Array {
  const v = ctx.constant(i);
  if (v === undefined)
    throw new GpuError(`ConvTranspose node "${name}": the ${what} must be a constant known at load time on the GPU`, 'GPU_UNSUPPORTED');
  return asFloat(v).data;
}

const convTransposeProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as ConvTransposeAttrs;
    const total = sizeOf(a.outShape);
    if (total === 0) return { dispatches: [] };
    const name = rn.node.name;
    const [, cin, h, w] = rn.inputShapes[0]! as [number, number, number, number];
    const [, og, kh, kw] = rn.inputShapes[1]! as [number, number, number, number];
    const [, cout, oh, ow] = a.outShape;
    const weights = packWeights(constantInput(ctx, 1, name, 'weight'), cin, og, kh, kw, a.group);
    const bias = a.hasBias ? constantInput(ctx, 2, name, 'bias') : new Float32Array(cout);
    const values = {
      total, cin, cout, og, groups: a.group, h, w, oh, ow, kh, kw,
      stride_h: a.strides[0], stride_w: a.strides[1], dil_h: a.dilations[0], dil_w: a.dilations[1], pad_t: a.pads[0], pad_l: a.pads[1],
    };
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(convTransposeShader, { WG }),
          bindings: [
            ctx.uniform(params, values, `${name}.params`),
            { kind: 'input', index: 0 },
            ctx.constBuffer(weights, `${name}.w`),
            ctx.constBuffer(bias, `${name}.b`),
            { kind: 'output', index: 0 },
          ],
          workgroups: grid1D(total, ctx),
          label: name,
        },
      ],
    };
  },
};

export const convTransposeGpu: [string, GpuProgram][] = [['ConvTranspose', convTransposeProgram]];
