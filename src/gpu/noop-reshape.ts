import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';
import { NodeUses } from '../graph/uses.js';
import type { Shape } from '../tensor.js';

/** Ops whose output is their first input's values in the same (logical row-major) order. */
export const REINTERPRETS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

/**
 * Whether a tensor's device buffer (layout.ts: NHWC for 4-D, row-major otherwise) holds its values in logical
 * row-major order: any rank but 4, and a 4-D tensor with one channel or a 1 × 1 image (NHWC and NCHW agree).
 */
export function rowMajorOnDevice(s: Shape): boolean {
  return s.length !== 4 || s[1] === 1 || (s[2] === 1 && s[3] === 1);
}

/** The permutation from a 4-D tensor to its NHWC view: what the device buffer of the tensor already holds. */
export const TO_NHWC: readonly number[] = [0, 2, 3, 1];

/** Whether rn is a Transpose with permutation `perm` (its parsed attribute: the default filled in). */
export function isTranspose(rn: ResolvedNode, perm: readonly number[]): boolean {
  if (rn.node.op !== 'Transpose') return false;
  const p = (rn.attrs as { perm: readonly number[] }).perm;
  return p.length === perm.length && p.every((x, i) => x === perm[i]);
}

/**
 * A Reshape-like node between two tensors whose device buffers are both in row-major order moves nothing: the
 * node is dropped and its output read from its input's buffer (MobileNet's Flatten after the global pool),
 * saving a copy dispatch and its pipeline. Where the output is a graph output, the input's producer writes it
 * there instead, if that input is not itself a graph input, output or constant.
 * So does a Transpose(perm 0,2,3,1) of a 4-D tensor read only by such a node with a row-major output: the
 * tensor's NHWC buffer is the transposed values in row-major order (a TFLite detector's head: Conv, then its
 * NHWC view reshaped to [1, anchors, values]), so both nodes go.
 */
export function elideNoopReshapes(rg: ResolvedGraph): ResolvedGraph {
  const uses = new NodeUses(rg.nodes);
  const outputs = new Set(rg.graph.outputs);
  const pinned = (name: string) => outputs.has(name) || rg.inputShapes.has(name) || rg.constants.has(name);
  let changed = false;
  for (let k = 0; k < uses.length; k++) {
    const rn = uses.at(k);
    if (!rn || !REINTERPRETS.has(rn.node.op) || rn.node.outputs.length !== 1) continue;
    const [input, out] = [rn.node.inputs[0]!, rn.node.outputs[0]!];
    if (!input || rg.constants.has(input) || !rowMajorOnDevice(rn.outputShapes[0]!)) continue;
    const t = uses.producer(input);
    const tn = t === undefined ? undefined : uses.at(t);
    const viaTranspose = !!tn && isTranspose(tn, TO_NHWC) && tn.inputShapes[0]!.length === 4 && !pinned(input) && uses.readerCount(input) === 1;
    if (!viaTranspose && !rowMajorOnDevice(rn.inputShapes[0]!)) continue;
    // the buffer the output is read from
    const src = viaTranspose ? tn!.node.inputs[0]! : input;
    if (!src || rg.constants.has(src)) continue;
    const intoOutput = outputs.has(out);
    if (intoOutput && (pinned(src) || uses.producer(src) === undefined || rg.graph.outputs.filter((o) => o === out).length !== 1)) continue;
    uses.remove(k);
    if (viaTranspose) uses.remove(t!);
    if (intoOutput) uses.rename(src, out);
    else uses.rename(out, src);
    changed = true;
  }
  return changed ? { ...rg, nodes: uses.nodes() } : rg;
}
