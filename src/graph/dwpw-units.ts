// The depthwise -> pointwise fusion, decided once for both backends: the walk that finds the pairs (and the
// CPU's expand conv in front), each backend saying what it can run fused. The GPU rewrites each pair into a
// FusedDwPw node (fuseDwPwUnits; fuse-dwpw.ts adds its cost rule), the CPU runs each unit as one wasm chain
// (cpu/run.ts fusableChains).
import type { ConvAttrs } from '../ops/conv.js';
import { FUSED_DWPW, FusedDwPw, type DwPwAttrs } from '../ops/dwpw.js';
import type { ResolvedGraph, ResolvedNode } from './resolve.js';
import { usesOf } from './uses.js';

/** Node indices of one fused unit. */
export interface DwPwUnit {
  /** The depthwise Conv, or a FusedDwPw node already in the graph. */
  dw: number;
  /** The pointwise Conv reading it; `dw` again for a FusedDwPw node. */
  pw: number;
  /** The pointwise Conv in front, whose output only the unit reads (an inverted residual's expansion). */
  expand?: number;
}

/** What a backend runs fused; the walk checks the graph side (one reader, not a graph output, order). */
export interface DwPwRules {
  /** The pointwise Conv must be the next node (the unit then stands for a run of consecutive nodes). */
  adjacent: boolean;
  /** This depthwise Conv -> pointwise Conv pair runs as one unit. */
  pair(dw: ResolvedNode, pw: ResolvedNode): boolean;
  /** Omitted: pairs only. */
  expand?: {
    /** This Conv in front of a unit runs as part of it. */
    conv(e: ResolvedNode): boolean;
    /** This FusedDwPw node runs with an expand conv in front (alone it is no unit: it runs as the node it is). */
    fused(f: ResolvedNode): boolean;
  };
}

/**
 * The units of a graph, in node order: a Conv whose output is no graph output and is read once, as input 0 of a
 * Conv, is a pair when `rules.pair` says so; with `rules.expand`, the Conv just before a unit's first node that
 * feeds it the same way joins it in front. Each pointwise Conv is in one pair at most.
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
  const expandOf = (k: number) =>
    rules.expand && isConv(k - 1) && soleReader(k - 1) === k && rules.expand.conv(nodes[k - 1]!) ? k - 1 : undefined;
  const units: DwPwUnit[] = [];
  const paired = new Set<number>();
  for (let k = 0; k < nodes.length; k++) {
    if (paired.has(k)) continue;
    const rn = nodes[k]!;
    if (rn.node.op === FUSED_DWPW) {
      const e = paired.has(k - 1) ? undefined : expandOf(k);
      if (e !== undefined && rules.expand!.fused(rn)) units.push({ dw: k, pw: k, expand: e });
      continue;
    }
    if (!isConv(k)) continue;
    const p = soleReader(k);
    if (p === undefined || !isConv(p) || (rules.adjacent && p !== k + 1) || !rules.pair(rn, nodes[p]!)) continue;
    paired.add(p);
    // The expand may be the pointwise conv of the unit before (dw -> pw -> dw -> pw): that unit covers it and
    // runs first, so the CPU never starts this one; kept as the CPU found its chains before this pass existed.
    const e = expandOf(k);
    units.push(e === undefined ? { dw: k, pw: p } : { dw: k, pw: p, expand: e });
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
    if (u.dw === u.pw) continue;
    const f = fusedDwPwNode(rg.nodes[u.dw]!, rg.nodes[u.pw]!);
    nodes[u.pw] = f;
    nodes[u.dw] = undefined;
    fused.push(f.node.name);
  }
  if (!fused.length) return { graph: rg, fused };
  return { graph: { ...rg, nodes: nodes.filter((rn): rn is ResolvedNode => rn !== undefined), constants: new Map(rg.constants) }, fused };
}
