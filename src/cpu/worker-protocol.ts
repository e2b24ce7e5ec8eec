/**
 * Messages between the CPU backend (worker-model.ts) and its worker (worker-serve.ts). The graph crosses once,
 * at load, resolved and optimized by the caller (the worker bundles neither the resolver nor the optimizer); a run
 * sends its inputs (copied or transferred) and gets its outputs back transferred.
 */
import type { LayerProfile } from '../engine.js';
import type { Value } from '../graph/ir.js';
import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';
import type { Tensor } from '../tensor.js';
import type { SerializedError } from './error-codec.js';

/**
 * A resolved graph as it crosses to the worker: each node names its op instead of holding its definition (functions
 * do not clone; the worker takes it from its registry), and only the constants that nodes read go along (the source
 * graph's initializers that folding replaced stay behind).
 */
export interface WireGraph extends Omit<ResolvedGraph, 'nodes'> {
  readonly nodes: (Omit<ResolvedNode, 'def'> & { op: string })[];
}

export function toWire(rg: ResolvedGraph): WireGraph {
  const read = new Set([...rg.nodes.flatMap((n) => n.node.inputs), ...rg.graph.outputs]);
  const constants = new Map<string, Value>([...rg.constants].filter(([k]) => read.has(k)));
  return {
    graph: { ...rg.graph, nodes: [], initializers: new Map() },
    inputShapes: rg.inputShapes,
    shapes: rg.shapes,
    constants,
    nodes: rg.nodes.map(({ def, ...n }) => ({ ...n, op: def.op })),
  };
}

export type ToWorker =
  /**
   * threads: the size of the thread team to start (1: none); helpers: one port per helper thread the page made
   * for it (worker-spawn.ts), threads - 1 of them where the page could make them all.
   */
  | { type: 'load'; graph: WireGraph; threads: number; helpers?: MessagePort[] }
  /** into: buffers (transferred) for the outputs to be written into, by output name (ArenaProgram.run). */
  | { type: 'run'; id: number; inputs: Record<string, Tensor>; profile: boolean; into?: Record<string, ArrayBuffer> };

export type FromWorker =
  /** threads: the team actually started; why: when fewer than asked, why. */
  | { type: 'loaded'; wasm: boolean; threads: number; why?: string }
  | { type: 'load-failed'; error: SerializedError }
  | { type: 'result'; id: number; outputs: [string, Tensor][]; profile?: LayerProfile }
  | { type: 'failed'; id: number; error: SerializedError };

/** The distinct ArrayBuffers under some tensors (a transfer list may not name one twice). */
export function buffersOf(tensors: Iterable<Tensor>, except?: ReadonlySet<ArrayBufferLike>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const b = t.data.buffer;
    if (b instanceof ArrayBuffer && !except?.has(b)) out.add(b);
  }
  return [...out];
}
