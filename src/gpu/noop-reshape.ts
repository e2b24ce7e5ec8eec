import type { ResolvedGraph } from '../graph/resolve.js';
import { NodeUses } from '../graph/uses.js';
import type { Shape } from '../tensor.js';

/** Ops whose output is their first input's values in the same (logical row-major) order. */
const REINTERPRETS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

/**
 * Whether a tensor's device buffer (layout.ts: NHWC for 4-D, row-major otherwise) holds its values in logical
 * row-major order: any rank but 4, and a 4-D tensor with one channel or a 1 × 1 image (NHWC and NCHW agree).
 */
function rowMajorOnDevice(s: Shape): boolean {
  return s.length !== 4 || s[1] === 1 || (s[2] === 1 && s[3] === 1);
}

/**
 * A Reshape-like node between two tensors whose device buffers are both in row-major order moves nothing: the
 * node is dropped and its output read from its input's buffer (MobileNet's Flatten after the global pool),
 * saving a copy dispatch and its pipeline. Where the output is a graph output, the input's producer writes it
 * there instead, if that input is not itself a graph input, output or constant.
 */
export function elideNoopReshapes(rg: ResolvedGraph): ResolvedGraph {
  const uses = new NodeUses(rg.nodes);
  const outputs = new Set(rg.graph.outputs);
  const pinned = (name: string) => outputs.has(name) || rg.inputShapes.has(name) || rg.constants.has(name);
  let changed = false;
  for (let k = 0; k < uses.length; k++) {
    const rn = uses.at(k);
    if (!rn || !REINTERPRETS.has(rn.node.op) || rn.node.outputs.length !== 1) continue;
    const [src, out] = [rn.node.inputs[0]!, rn.node.outputs[0]!];
    if (!src || rg.constants.has(src) || !rowMajorOnDevice(rn.inputShapes[0]!) || !rowMajorOnDevice(rn.outputShapes[0]!)) continue;
    if (!outputs.has(out)) {
      uses.remove(k);
      uses.rename(out, src);
    } else if (!pinned(src) && uses.producer(src) !== undefined && rg.graph.outputs.filter((o) => o === out).length === 1) {
      uses.remove(k);
      uses.rename(src, out);
    } else continue;
    changed = true;
  }
  return changed ? { ...rg, nodes: uses.nodes() } : rg;
}
