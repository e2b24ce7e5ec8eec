/**
 * Zero Pads on H and W whose every reader is a Conv reading it as its input: each such Conv reads the Pad's input
 * with the pad added to its own padding (the kernels pad at the borders without a copy), and the Pad runs no step.
 * TF.js exports spell "same" padding this way (45 Pads in MediaPipe's face detector, full range).
 */
import type { ResolvedGraph, ResolvedNode } from '../../graph/resolve.js';
import { NodeUses } from '../../graph/uses.js';
import type { ConvAttrs } from '../../ops/conv.js';
import type { PadAttrs } from '../../ops/pad.js';

/** Pad nodes folded away, and the Conv nodes (by index) to plan as the given node instead. */
export function padFolds(rg: ResolvedGraph): { skip: Set<number>; convs: Map<number, ResolvedNode> } {
  const skip = new Set<number>();
  const convs = new Map<number, ResolvedNode>();
  const uses = new NodeUses(rg.nodes);
  const outputs = new Set(rg.graph.outputs);
  rg.nodes.forEach((rn, idx) => {
    if (rn.node.op !== 'Pad') return;
    const a = rn.attrs as PadAttrs;
    const x = rn.inputShapes[0]!;
    const out = rn.node.outputs[0]!;
    if (a.mode !== 'constant' || a.value !== 0 || x.length !== 4 || outputs.has(out) || rg.constants.has(rn.node.inputs[0]!)) return;
    const end = a.shape.map((d, i) => d - x[i]! - a.begin[i]!);
    if (a.begin[0] || a.begin[1] || end[0] || end[1] || [...a.begin, ...end].some((p) => p < 0)) return;
    const readers = [...new Set(uses.readers(out))];
    const ok = readers.length > 0 && readers.every((k) => {
      const c = rg.nodes[k]!;
      return c.node.op === 'Conv' && c.node.inputs[0] === out && c.node.inputs.indexOf(out, 1) < 0;
    });
    if (!ok) return;
    skip.add(idx);
    for (const k of readers) {
      const c = convs.get(k) ?? rg.nodes[k]!;
      const ca = c.attrs as ConvAttrs;
      const [t, l, b, r] = ca.pads;
      convs.set(k, {
        ...c,
        node: { ...c.node, inputs: [rn.node.inputs[0]!, ...c.node.inputs.slice(1)] },
        attrs: { ...ca, pads: [t + a.begin[2]!, l + a.begin[3]!, b + end[2]!, r + end[3]!] },
        inputShapes: [x, ...c.inputShapes.slice(1)],
      });
    }
  });
  return { skip, convs };
}
