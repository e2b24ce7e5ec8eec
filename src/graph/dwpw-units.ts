// The depthwise -> pointwise fusion: the walk that finds the pairs, the backend saying what it can run fused. The
// GPU rewrites each pair into a FusedDwPw node (fuseDwPwUnits; fuse-dwpw.ts adds its cost rule).
import type { ConvAttrs } from '../ops/conv.js';
import { FusedDwPw, type DwPwAttrs } from '../ops/dwpw.js';
import type { ResolvedGraph, ResolvedNode } from './resolve.js';
import { usesOf } from './uses.js';

/** Node indices of one fused unit. */
export interface DwPwUnit {
  /** The depthwise Conv. */
  dw: number;
  /** The pointwise Conv reading it. */
  pw: number;
}

/** What a backend runs fused; the walk checks the graph side (one reader, not a graph output). */
export interface DwPwRules {
  /** This depthwise Conv -> pointwise Conv pair runs as one unit. */
  pair(dw: ResolvedNode, pw: ResolvedNode): boolean;
}

/**
 * The units of a graph, in node order: a Conv whose output is no graph output and is read once, as input 0 of a
 * Conv, is a pair when `rules.pair` says so. Each pointwise Conv is in one pair at most.
 */
export function dwPwUnits(rg: ResolvedGraph, rules: DwPwRules): DwPwUnit[] {
  const nodes = rg.nodes;
  const { readers } = usesOf(rg);
  const outputs = new Set(rg.graph.outputs);
  const isConv = (k: number) => nodes[k]?.node.op === 'Conv';
  /** The node reading node k's output, when it alone reads it, as its input 0, and it is no graph output. */
  const soleReader = (k: number) => {
    const mid = nodes[k]!.node.outputs[0];
    const r = mid && !outputs.has(mid) ? readers.get(mid) : undefined;
    return r?.length === 1 && nodes[r[0]!]!.node.inputs[0] === mid ? r[0] : undefined;
  };
  const units: DwPwUnit[] = [];
  const paired = new Set<number>();
  for (let k = 0; k < nodes.length; k++) {
    if (paired.has(k) || !isConv(k)) continue;
    const p = soleReader(k);
    if (p === undefined || !isConv(p) || !rules.pair(nodes[k]!, nodes[p]!)) continue;
    paired.add(p);
    units.push({ dw: k, pw: p });
  }
  return units;
}

/** The FusedDwPw node (src/ops/dwpw.ts) computing a depthwise Conv and the pointwise Conv reading it. */
export function fusedDwPwNode(dw: ResolvedNode, pw: ResolvedNode): ResolvedNode {
  const da = dw.attrs as ConvAttrs;
  const pa = pw.attrs as ConvAttrs;
  const [dwB, pwB] = [dw, pw].map((c) => ((c.attrs as ConvAttrs).hasBias ? c.node.inputs[2]! : ''));
  const inputs = [dw.node.inputs[0]!, dw.node.inputs[1]!, dwB!, pw.node.inputs[1]!, pwB!, ...(pa.residual ? [pw.node.inputs[3]!] : [])];
  const shape = (i: string, fallback: readonly number[]) => (i === '' ? [] : [...fallback]);
  return {
    node: { name: `${dw.node.name}+${pw.node.name}`, op: FusedDwPw.op, inputs, outputs: [pw.node.outputs[0]!], attrs: {} },
    def: FusedDwPw,
    attrs: { dw: da, pw: pa } satisfies DwPwAttrs,
    inputShapes: [
      dw.inputShapes[0]!, dw.inputShapes[1]!, shape(dwB!, dw.inputShapes[2] ?? []),
      pw.inputShapes[1]!, shape(pwB!, pw.inputShapes[2] ?? []), ...(pa.residual ? [pw.inputShapes[3]!] : []),
    ],
    outputShapes: pw.outputShapes,
    cost: { params: dw.cost.params + pw.cost.params, macs: dw.cost.macs + pw.cost.macs },
  };
}

/** Each pair unit made one FusedDwPw node, in its pointwise conv's place; the fused nodes' names, in order. */
export function fuseDwPwUnits(rg: ResolvedGraph, units: readonly DwPwUnit[]): { graph: ResolvedGraph; fused: string[] } {
  const nodes: (ResolvedNode | undefined)[] = [...rg.nodes];
  const fused: string[] = [];
  for (const u of units) {
    const f = fusedDwPwNode(rg.nodes[u.dw]!, rg.nodes[u.pw]!);
    nodes[u.pw] = f;
    nodes[u.dw] = undefined;
    fused.push(f.node.name);
  }
  if (!fused.length) return { graph: rg, fused };
  return { graph: { ...rg, nodes: nodes.filter((rn): rn is ResolvedNode => rn !== undefined), constants: new Map(rg.constants) }, fused };
}
