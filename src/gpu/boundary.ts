import type { Node } from '../graph/ir.js';
import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';

const same = (a: readonly number[] | undefined, b: readonly number[]) => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The GPU stores a 4-D tensor of logical shape [N, C, H, W] as NHWC. So a graph input [N, H, W, C] whose only
 * readers are Transpose(perm 0,3,1,2) — a TF model's NHWC input — is already in the device layout of the
 * transposed tensor when written as is, and a graph output that is Transpose(perm 0,2,3,1) of a 4-D tensor is
 * that tensor's buffer read as is. This drops those Transposes and returns the edges that move raw (no
 * layout conversion at upload/readback); the CPU path keeps the graph unchanged.
 */
export function elideBoundaryTransposes(rg: ResolvedGraph): { rg: ResolvedGraph; raw: Set<string> } {
  const raw = new Set<string>();
  const outputs = new Set(rg.graph.outputs);
  let nodes: ResolvedNode[] = [...rg.nodes];
  const rename = (from: string, to: string) => {
    nodes = nodes.map((rn) =>
      rn.node.inputs.includes(from) || rn.node.outputs.includes(from)
        ? { ...rn, node: { ...rn.node, inputs: rn.node.inputs.map((i) => (i === from ? to : i)), outputs: rn.node.outputs.map((o) => (o === from ? to : o)) } as Node }
        : rn,
    );
  };
  const isPerm = (rn: ResolvedNode, p: number[]) => rn.node.op === 'Transpose' && same((rn.attrs as { perm?: number[] }).perm, p);
  for (const [name, shape] of rg.inputShapes) {
    if (shape.length !== 4 || outputs.has(name)) continue;
    const readers = nodes.filter((rn) => rn.node.inputs.includes(name));
    if (!readers.length || !readers.every((rn) => isPerm(rn, [0, 3, 1, 2]) && !outputs.has(rn.node.outputs[0]!))) continue;
    nodes = nodes.filter((rn) => !readers.includes(rn));
    for (const t of readers) rename(t.node.outputs[0]!, name);
    raw.add(name);
  }
  for (const out of rg.graph.outputs) {
    const k = nodes.findIndex((rn) => rn.node.outputs[0] === out);
    const t = nodes[k];
    if (!t || !isPerm(t, [0, 2, 3, 1]) || rg.graph.outputs.filter((o) => o === out).length !== 1) continue;
    // an output other nodes also read must stay in its own (row-major) layout for them
    if (nodes.some((rn) => rn.node.inputs.includes(out))) continue;
    const src = t.node.inputs[0]!;
    const producer = nodes.some((rn) => rn.node.outputs.includes(src));
    if (!producer || outputs.has(src) || rg.inputShapes.has(src) || rg.constants.has(src) || t.inputShapes[0]?.length !== 4) continue;
    nodes.splice(k, 1);
    rename(src, out);
    raw.add(out);
  }
  return raw.size ? { rg: { ...rg, nodes }, raw } : { rg, raw };
}
