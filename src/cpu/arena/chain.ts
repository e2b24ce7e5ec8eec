/**
 * Which depthwise-separable chains the planner runs fused (ops/conv-chain.ts): a 1×1 Conv (stride 1) whose only
 * reader is a depthwise Conv (multiplier 1) whose only reader is a 1×1 Conv (stride 1), neither intermediate a graph
 * output — MobileNetV2's inverted residual — or, without an expand, the depthwise → project pair of a plain
 * separable block. Each chain runs as one node at the project's place; its first nodes run no step.
 */
import type { ResolvedGraph, ResolvedNode } from '../../graph/resolve.js';
import type { ConvAttrs } from '../../ops/conv.js';
import { chainNode } from './ops/conv-chain.js';
import { depthwiseConv } from './ops/conv-depthwise.js';
import { pointwiseConv } from './ops/conv-pointwise.js';
import type { ArenaKernel } from './types.js';

/** The chain kernel, with the rule deciding where a chain pays (default chainPays; a bench or test may force it). */
export type ChainKernel = ArenaKernel & { pays?: (c: ChainShape) => boolean };

/** Nodes (by index) folded into a chain, and the chain node to plan at each project's index. */
export interface ChainFolds {
  skip: Set<number>;
  nodes: Map<number, ResolvedNode>;
}

/** A chain's shape, for the rule deciding where fusing pays. */
export interface ChainShape {
  /** Input [N, C, H, W], the depthwise's channels (expanded), output [N, C, H, W]. */
  x: readonly number[];
  cexp: number;
  y: readonly number[];
}

/** Bytes of one image's depthwise input from which a chain pays (see chainPays). */
export const CHAIN_MIN_BYTES = 512 * 1024;

/**
 * Where the chain measured faster than its separate kernels (bench/arena-chain.ts, Node, one thread, a loaded 2-core
 * machine): MobileNetV2's inverted residuals at 112² to 28² (depthwise input 0.6–4.6 MiB an image) 2–9 % less CPU
 * time (1–2 % on the best wall times), at 14² and 7² (0.2–0.45 MiB, which a 2 MiB L2 holds anyway) 0–10 % more (the
 * project GEMM in short bands); the plain pairs at 112² (its first block, the dsc workload) even within the noise.
 * MobileNetV2 224² whole: 6 % less CPU time than with no chain, 2.5 % with every chain.
 */
export function chainPays(c: ChainShape): boolean {
  return c.x[2]! * c.x[3]! * c.cexp * 4 >= CHAIN_MIN_BYTES;
}

/** The node runs on the pointwise (stride 1) or the depthwise kernel (multiplier 1), without a residual. */
function runsOn(rg: ResolvedGraph, rn: ResolvedNode | undefined, k: 'pointwise' | 'depthwise'): rn is ResolvedNode {
  if (rn?.node.op !== 'Conv' || (k === 'depthwise' && (rn.attrs as ConvAttrs).residual)) return false;
  const have = rn.node.inputs.map((n) => (n === '' || rg.constants.has(n) ? undefined : 'nhwc' as const));
  const a = rn.attrs as ConvAttrs;
  if (k === 'pointwise') return a.strides[0] === 1 && a.strides[1] === 1 && !!pointwiseConv.layouts(rn, have);
  return rn.inputShapes[1]![0] === rn.inputShapes[0]![1] && !!depthwiseConv.layouts(rn, have);
}

/**
 * The chains of `rg`, its nodes as the planner sees them (`given(k)`: after folding Pads; `gone`: nodes run no step),
 * kept where `pays` says so.
 */
export function convChains(
  rg: ResolvedGraph, given: (k: number) => ResolvedNode, gone: ReadonlySet<number>, pays: (c: ChainShape) => boolean = chainPays,
): ChainFolds {
  const skip = new Set<number>();
  const nodes = new Map<number, ResolvedNode>();
  const producer = new Map<string, number>();
  const readers = new Map<string, number>();
  rg.nodes.forEach((_, k) => {
    if (gone.has(k)) return;
    const rn = given(k);
    for (const o of rn.node.outputs) producer.set(o, k);
    for (const i of rn.node.inputs) if (i !== '') readers.set(i, (readers.get(i) ?? 0) + 1);
  });
  const outputs = new Set(rg.graph.outputs);
  const only = (value: string) => readers.get(value) === 1 && !outputs.has(value);
  rg.nodes.forEach((_, k) => {
    if (gone.has(k)) return;
    const p = given(k);
    if (!runsOn(rg, p, 'pointwise')) return;
    const d = producer.get(p.node.inputs[0]!);
    const dw = d === undefined || skip.has(d) ? undefined : given(d);
    if (!runsOn(rg, dw, 'depthwise') || !only(dw.node.outputs[0]!)) return;
    const e = producer.get(dw.node.inputs[0]!);
    // a pointwise conv that already ends a chain keeps it (its own input is that chain's intermediate)
    const ex = e === undefined || skip.has(e) || nodes.has(e) ? undefined : given(e);
    const expand = runsOn(rg, ex, 'pointwise') && !(ex.attrs as ConvAttrs).residual && only(ex.node.outputs[0]!) ? ex : undefined;
    const first = expand ?? dw;
    // the residual must be live before the chain starts (not one of its own intermediates)
    const pa = p.attrs as ConvAttrs;
    if (pa.residual && [dw.node.outputs[0], expand?.node.outputs[0]].includes(p.node.inputs[3])) return;
    if (!pays({ x: first.inputShapes[0]!, cexp: dw.inputShapes[0]![1]!, y: p.outputShapes[0]! })) return;
    skip.add(d!);
    if (expand) skip.add(e!);
    nodes.set(k, chainNode(expand, dw, p));
  });
  return { skip, nodes };
}
