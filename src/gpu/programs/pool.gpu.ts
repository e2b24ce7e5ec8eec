import poolWgsl from '../../../shaders/pool.wgsl?raw';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import type { AveragePoolAttrs } from '../../ops/averagepool.js';
import { grid1D, WG } from './copy.gpu.js';
import type { PoolAttrs } from '../../ops/window.js';

const params = defineParams([
  ['n', 'u32'],
  ['C', 'u32'],
  ['H', 'u32'],
  ['W', 'u32'],
  ['OH', 'u32'],
  ['OW', 'u32'],
  ['KH', 'i32'],
  ['KW', 'i32'],
  ['SH', 'i32'],
  ['SW', 'i32'],
  ['DH', 'i32'],
  ['DW', 'i32'],
  ['PT', 'i32'],
  ['PL', 'i32'],
  ['PB', 'i32'],
  ['PR', 'i32'],
  ['lowest', 'f32'],
]);
const elementTypes = (vec: boolean) =>
  vec ? 'alias PT = vec4<f32>;\nalias PB = vec4<bool>;\nalias PU = vec4<u32>;\n' : 'alias PT = f32;\nalias PB = bool;\nalias PU = u32;\n';
/** Scalar, and vec4 over channels where C % 4 == 0. */
const POOL_SHADERS = { scalar: shader('pool', elementTypes(false) + poolWgsl, params), vec4: shader('pool.v4', elementTypes(true) + poolWgsl, params) };

const poolProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as PoolAttrs & Partial<AveragePoolAttrs>;
    const [, C, H, W] = rn.inputShapes[0]! as [number, number, number, number];
    const ys = rn.outputShapes[0]!;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    const kind = rn.node.op === 'MaxPool' ? 0 : a.countIncludePad ? 2 : 1;
    const lanes = C % 4 === 0 ? 4 : 1;
    const values = {
      n: n / lanes,
      C: C / lanes,
      H,
      W,
      OH: a.out[0],
      OW: a.out[1],
      KH: a.kernel[0],
      KW: a.kernel[1],
      SH: a.strides[0],
      SW: a.strides[1],
      DH: a.dilations[0],
      DW: a.dilations[1],
      PT: a.pads[0],
      PL: a.pads[1],
      PB: a.pads[2],
      PR: a.pads[3],
      lowest: -Infinity,
    };
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(lanes === 4 ? POOL_SHADERS.vec4 : POOL_SHADERS.scalar, { WG, KIND: kind }),
          bindings: [ctx.uniform(params, values, `${rn.node.name}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
          workgroups: grid1D(n / lanes, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const poolGpu: [string, GpuProgram][] = [
  ['MaxPool', poolProgram],
  ['AveragePool', poolProgram],
];
