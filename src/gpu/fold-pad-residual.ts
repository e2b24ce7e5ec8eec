// A channel-padding Pad read only as a pointwise conv's fused residual (BlazeFace's blocks: x -> pad channels
// with zeros -> + conv), on the GPU's software-adapter variant: the conv reads the unpadded tensor and takes the
// padded channels as zero (GemmSpec.residualColumns), so the Pad's dispatch and its output's traffic go.
// Only where the vec4 register GEMM runs the conv: every pointwise conv there (gemm4Eligible).
import { usesOf } from '../graph/uses.js';
import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';
import { convKernelFor, type ConvAttrs } from '../ops/conv.js';
import type { PadAttrs } from '../ops/pad.js';
import type { KernelVariant } from './variant.js';

/** The Pad node that only appends zero channels to a 4-D tensor. */
function channelPad(pad: ResolvedNode): boolean {
  const a = pad.attrs as PadAttrs;
  const xs = pad.inputShapes[0]!;
  if (pad.node.op !== 'Pad' || a.mode !== 'constant' || a.value !== 0 || xs.length !== 4 || a.shape.length !== 4) return false;
  if (a.begin.some((b) => b !== 0)) return false;
  return a.shape.every((d, k) => (k === 1 ? d > xs[1]! : d === xs[k]));
}

export function foldPadResidualFor(rg: ResolvedGraph, variant: KernelVariant): { graph: ResolvedGraph; folded: number } {
  if (variant !== 'register') return { graph: rg, folded: 0 };
  const { readers } = usesOf(rg);
  const outputs = new Set(rg.graph.outputs);
  const producer = new Map<string, number>();
  rg.nodes.forEach((rn, k) => rn.node.outputs.forEach((o) => producer.set(o, k)));
  const drop = new Set<number>();
  const nodes = rg.nodes.map((rn) => {
    const a = rn.attrs as ConvAttrs;
    if (rn.node.op !== 'Conv' || !a.residual || a.residualChannels !== undefined) return rn;
    if (convKernelFor(rn.inputShapes[0]!, a) !== 'pointwise') return rn;
    const padded = rn.node.inputs[3]!;
    const pk = producer.get(padded);
    const pad = pk === undefined ? undefined : rg.nodes[pk]!;
    if (!pad || !channelPad(pad) || outputs.has(padded) || (readers.get(padded)?.length ?? 0) !== 1) return rn;
    drop.add(pk!);
    const inputs = [...rn.node.inputs];
    inputs[3] = pad.node.inputs[0]!;
    const shapes = [...rn.inputShapes];
    shapes[3] = pad.inputShapes[0]!;
    return { ...rn, node: { ...rn.node, inputs }, inputShapes: shapes, attrs: { ...a, residualChannels: pad.inputShapes[0]![1]! } };
  });
  if (!drop.size) return { graph: rg, folded: 0 };
  return { graph: { ...rg, nodes: nodes.filter((_, k) => !drop.has(k)) }, folded: drop.size };
}
