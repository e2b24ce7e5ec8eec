import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';

/**
 * GpuBuildCtx.twins for a graph's nodes: how many nodes share a node's op, input and output shapes and attributes
 * (constant inputs such as weights aside). Counted per op the first time a node of that op asks.
 */
export function twinCounter(rg: ResolvedGraph): (rn: ResolvedNode) => number {
  const byOp = new Map<string, Map<string, number>>();
  const key = (rn: ResolvedNode) => JSON.stringify([rn.inputShapes, rn.outputShapes, rn.attrs]);
  return (rn) => {
    let counts = byOp.get(rn.node.op);
    if (!counts) {
      counts = new Map();
      for (const n of rg.nodes) {
        if (n.node.op !== rn.node.op) continue;
        const k = key(n);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      byOp.set(rn.node.op, counts);
    }
    return counts.get(key(rn)) ?? 1;
  };
}
