import type { ResolvedGraph } from '../graph/resolve.js';
import { NodeUses } from '../graph/uses.js';
import { isTranspose, REINTERPRETS, rowMajorOnDevice, TO_NHWC } from './noop-reshape.js';

/**
 * The GPU stores a 4-D tensor of logical shape [N, C, H, W] as NHWC. So a graph input [N, H, W, C] whose only
 * readers are Transpose(perm 0,3,1,2) — a TF model's NHWC input — is already in the device layout of the
 * transposed tensor when written as is, and a graph output that is Transpose(perm 0,2,3,1) of a 4-D tensor is
 * that tensor's buffer read as is; so is a graph output that is a Reshape-like view of a tensor whose buffer is
 * row-major (noop-reshape.ts). This drops those nodes and returns the edges that move raw (no layout conversion
 * at upload/readback); the CPU path keeps the graph unchanged.
 */
export function elideBoundaryTransposes(rg: ResolvedGraph): { rg: ResolvedGraph; raw: Set<string> } {
  const raw = new Set<string>();
  const outputs = new Set(rg.graph.outputs);
  const uses = new NodeUses(rg.nodes);
  for (const [name, shape] of rg.inputShapes) {
    if (shape.length !== 4 || outputs.has(name)) continue;
    const readers = [...new Set(uses.readers(name))];
    if (!readers.length || !readers.every((k) => isTranspose(uses.at(k)!, [0, 3, 1, 2]) && !outputs.has(uses.at(k)!.node.outputs[0]!))) continue;
    for (const k of readers) {
      const t = uses.at(k)!;
      uses.remove(k);
      uses.rename(t.node.outputs[0]!, name);
    }
    raw.add(name);
  }
  for (const out of rg.graph.outputs) {
    const k = uses.producer(out);
    const t = k === undefined ? undefined : uses.at(k);
    // a Reshape-like output node over a row-major buffer (a segmenter's [1, 1, H, W] mask viewed as [1, H, W, 1])
    const view = !!t && REINTERPRETS.has(t.node.op) && rowMajorOnDevice(t.inputShapes[0]!);
    if (!t || t.node.outputs[0] !== out || !(view || isTranspose(t, TO_NHWC)) || rg.graph.outputs.filter((o) => o === out).length !== 1) continue;
    // an output other nodes also read must stay in its own (row-major) layout for them
    if (uses.readerCount(out) > 0) continue;
    const src = t.node.inputs[0]!;
    const producer = uses.producer(src) !== undefined;
    if (!producer || outputs.has(src) || rg.inputShapes.has(src) || rg.constants.has(src) || (!view && t.inputShapes[0]?.length !== 4)) continue;
    uses.remove(k!);
    uses.rename(src, out);
    raw.add(out);
  }
  return raw.size ? { rg: { ...rg, nodes: uses.nodes() }, raw } : { rg, raw };
}
