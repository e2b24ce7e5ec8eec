import elementwiseWgsl from '../../../shaders/elementwise.wgsl?raw';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import type { CastAttrs } from '../../ops/cast.js';
import type { ClipAttrs } from '../../ops/clip.js';
import type { AlphaAttrs } from '../../ops/elu.js';
import type { GeluAttrs } from '../../ops/gelu.js';
import { grid1D, WG } from './copy.gpu.js';

const params = defineParams([
  ['n', 'u32'],
  ['p0', 'f32'],
  ['p1', 'f32'],
]);
const elementwiseShader = shader('elementwise', elementwiseWgsl, params);

/** OP code in shaders/elementwise.wgsl and its two scalar parameters from the parsed attributes. */
const KINDS: Record<string, { op: number; p: (attrs: unknown) => [number, number] }> = {
  Relu: { op: 0, p: () => [0, 0] },
  Clip: { op: 1, p: (a) => [(a as ClipAttrs).min, (a as ClipAttrs).max] },
  Sigmoid: { op: 2, p: () => [0, 0] },
  HardSigmoid: { op: 3, p: (a) => [(a as { alpha: number }).alpha, (a as { beta: number }).beta] },
  HardSwish: { op: 4, p: () => [0, 0] },
  Abs: { op: 5, p: () => [0, 0] },
  Neg: { op: 6, p: () => [0, 0] },
  Sqrt: { op: 7, p: () => [0, 0] },
  Reciprocal: { op: 8, p: () => [0, 0] },
  Exp: { op: 9, p: () => [0, 0] },
  Tanh: { op: 10, p: () => [0, 0] },
  Floor: { op: 11, p: () => [0, 0] },
  Elu: { op: 12, p: (a) => [(a as AlphaAttrs).alpha, 0] },
  LeakyRelu: { op: 13, p: (a) => [(a as AlphaAttrs).alpha, 0] },
  Not: { op: 17, p: () => [0, 0] },
  Sin: { op: 18, p: () => [0, 0] },
  Cos: { op: 19, p: () => [0, 0] },
  Log: { op: 20, p: () => [0, 0] },
  Ceil: { op: 21, p: () => [0, 0] },
  Gelu: { op: 22, p: (a) => [(a as GeluAttrs).tanh, 0] },
  Round: { op: 23, p: () => [0, 0] },
  Sign: { op: 26, p: () => [0, 0] },
};

/** Cast's target kinds (src/ops/cast.ts) as elementwise OP codes. */
const CAST_OP: Record<CastAttrs['kind'], number> = { int: 14, bool: 15, float: 16 };

const unaryProgram: GpuProgram = {
  async build(rn, ctx) {
    const n = sizeOf(rn.outputShapes[0]!);
    if (n === 0) return { dispatches: [] };
    const kind = rn.node.op === 'Cast' ? { op: CAST_OP[(rn.attrs as CastAttrs).kind], p: (): [number, number] => [0, 0] } : KINDS[rn.node.op]!;
    const [p0, p1] = kind.p(rn.attrs);
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(elementwiseShader, { WG, OP: kind.op }),
          bindings: [ctx.uniform(params, { n, p0, p1 }, `${rn.node.name}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
          workgroups: grid1D(n, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const unaryGpu: [string, GpuProgram][] = [...Object.keys(KINDS), 'Cast'].map((op) => [op, unaryProgram]);
