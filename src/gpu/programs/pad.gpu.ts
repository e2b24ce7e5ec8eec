import padWgsl from '../../../shaders/pad.wgsl?raw';
import { GpuError } from '../../errors.js';
import { physicalStrides } from '../layout.js';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader } from '../shader.js';
import { sizeOf } from '../../tensor.js';
import { dimDecls, dimFields, grid1D, MAX_DIMS, WG } from './copy.gpu.js';
import type { PadAttrs } from '../../ops/pad.js';

const params = defineParams([
  ['n', 'u32'],
  ['value', 'f32'],
  ...dimDecls('o', 'u32'),
  ...dimDecls('i', 'u32'),
  ...dimDecls('b', 'i32'),
  ...dimDecls('s', 'i32'),
]);
type Field = (typeof params.fields)[number][0];
const padShader = shader('pad', padWgsl, params);
const MODE = { constant: 0, reflect: 1, edge: 2 } as const;

interface PadDim {
  o: number;
  i: number;
  b: number;
  s: number;
}

/**
 * Neighbouring dims (outermost first) that are not padded and lie contiguously in the input become one, so the
 * kernel divides once per remaining dim (a channel pad of NHWC: 2 dims instead of 4).
 */
export function mergeUnpadded(dims: readonly PadDim[]): PadDim[] {
  const out: PadDim[] = [];
  for (const d of dims) {
    const last = out[out.length - 1];
    const plain = (e: PadDim) => e.b === 0 && e.o === e.i;
    if (last && plain(last) && plain(d) && last.s === d.s * d.i) out[out.length - 1] = { o: last.o * d.o, i: last.i * d.i, b: 0, s: d.s };
    else out.push({ ...d });
  }
  return out;
}

const padProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as PadAttrs;
    const xs = rn.inputShapes[0]!;
    const ys = a.shape;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    if (ys.length > MAX_DIMS) throw new GpuError(`Pad node "${rn.node.name}": rank ${ys.length} exceeds ${MAX_DIMS}`, 'GPU_UNSUPPORTED');
    // output dims in physical order, outermost first
    const py = physicalStrides(ys);
    const order = ys.map((_, k) => k).sort((p, q) => py[q]! - py[p]! || p - q);
    const px = physicalStrides(xs);
    const dims = mergeUnpadded(order.map((k) => ({ o: ys[k]!, i: xs[k]!, b: a.begin[k]!, s: px[k]! })));
    const values = {
      n,
      value: a.value,
      ...dimFields('o', dims.map((d) => d.o), 1),
      ...dimFields('i', dims.map((d) => d.i), 1),
      ...dimFields('b', dims.map((d) => d.b), 0),
      ...dimFields('s', dims.map((d) => d.s), 0),
    } as Record<Field, number>;
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(padShader, { WG, MODE: MODE[a.mode], NDIM: dims.length }),
          bindings: [ctx.uniform(params, values, `${rn.node.name}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
          workgroups: grid1D(n, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const padGpu: [string, GpuProgram][] = [['Pad', padProgram]];
