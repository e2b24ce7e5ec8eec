/**
 * Depthwise Conv (group = Cin, Cout = Cin·multiplier, constant weights) on NHWC tensors: c/dwconv.c's dw_conv, one
 * call tiled over the output rows of all images. Everything but the tensors is packed once into one read-only block:
 * the shape header, a zero vector for taps in the padding, and the weights by 8-channel group (bias, then the taps).
 */
import type { ConvAttrs } from '../../../ops/conv.js';
import type { ResolvedNode } from '../../../graph/resolve.js';
import { actArgs, type ArenaKernel, type BuildCtx, type Call } from '../types.js';

/** c/dwconv.c: DW_HEADER (floats before the zero vector) and DW_GROUP (channels per weight group). */
const HEADER = 32;
const GROUP = 8;
/** c/dwconv.c's dw_params, in order: int fields, then float fields. */
const INT_FIELDS = ['h', 'w', 'cin', 'ho', 'wo', 'cout', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl', 'mult', 'act', 'post'] as const;

/** The node is a depthwise conv this kernel runs: 4-D, group = Cin, constant weights and bias. */
function accepts(rn: ResolvedNode, have: readonly (string | undefined)[]): boolean {
  if (rn.node.op !== 'Conv') return false;
  const a = rn.attrs as ConvAttrs;
  const [x, w] = rn.inputShapes;
  if (x?.length !== 4 || w?.length !== 4 || rn.outputShapes[0]?.length !== 4) return false;
  const cin = x[1]!;
  if (a.group !== cin || w[1] !== 1 || w[0]! % cin !== 0) return false;
  if (!a.constWeights || have[1] !== undefined || (a.hasBias && have[2] !== undefined)) return false;
  if (a.residual && rn.inputShapes[3]?.join() !== rn.outputShapes[0].join()) return false;
  return true;
}

/** Header, zero vector and weights as dw_conv reads them (see c/dwconv.c). */
export function packDepthwise(a: ConvAttrs, xShape: readonly number[], yShape: readonly number[], w: Float32Array, bias: Float32Array | undefined): Float32Array {
  const [, cin, h, wi] = xShape as [number, number, number, number];
  const [, cout, ho, wo] = yShape as [number, number, number, number];
  const [kh, kw] = a.kernel;
  const taps = kh * kw;
  const cpad = Math.ceil(cout / GROUP) * GROUP;
  const out = new Float32Array(HEADER + cpad + cpad * (1 + taps));
  const [act, actA, actB] = actArgs(a.act);
  const [post, postA, postB] = actArgs(a.residual ? a.post : undefined);
  const fields: Record<(typeof INT_FIELDS)[number], number> = {
    h, w: wi, cin, ho, wo, cout, kh, kw, sh: a.strides[0], sw: a.strides[1], dh: a.dilations[0], dw: a.dilations[1],
    pt: a.pads[0], pl: a.pads[1], mult: cout / cin, act, post,
  };
  const ints = new Int32Array(out.buffer, 0, INT_FIELDS.length);
  INT_FIELDS.forEach((f, i) => (ints[i] = fields[f]));
  out.set([actA, actB, postA, postB], INT_FIELDS.length);
  const base = HEADER + cpad;
  // Group g holds channels from min(8g, cout - 8) (from 0 under 8 channels): the last ends at cout (c/dwconv.c group_at).
  for (let g = 0; g < cpad / GROUP; g++) {
    const c0 = cout < GROUP ? 0 : Math.min(g * GROUP, cout - GROUP);
    for (let j = 0; j < GROUP && c0 + j < cout; j++) {
      const at = base + g * GROUP * (1 + taps) + j, c = c0 + j;
      out[at] = bias ? bias[c]! : 0;
      for (let t = 0; t < taps; t++) out[at + GROUP * (1 + t)] = w[c * taps + t]!;
    }
  }
  return out;
}

export const depthwiseConv: ArenaKernel = {
  layouts(rn, have) {
    if (!accepts(rn, have)) return undefined;
    const a = rn.attrs as ConvAttrs;
    return { inputs: ['nhwc', undefined, undefined, ...(a.residual ? ['nhwc' as const] : [])], outputs: ['nhwc'] };
  },
  build(ctx: BuildCtx): Call[] {
    const rn = ctx.node;
    const a = rn.attrs as ConvAttrs;
    const w = ctx.constant(1);
    const bias = a.hasBias ? ctx.constant(2) : undefined;
    if (!w || (a.hasBias && !bias)) throw new Error(`depthwise Conv "${rn.node.name}": weights or bias are not constant`);
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    const params = ctx.weights(packDepthwise(a, x.shape, y.shape, w, bias));
    const res = a.residual ? ctx.input(3)!.offset : 0;
    return [{ fn: 'dw_conv', args: [params, y.offset, x.offset, res], tiles: y.shape[0]! * y.shape[2]! }];
  },
};
