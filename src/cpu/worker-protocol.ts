/**
 * Messages between the CPU backend (worker-model.ts) and its worker (worker-serve.ts). The graph crosses once,
 * at load; a run sends its inputs (copied or transferred) and gets its outputs back transferred.
 */
import type { LayerProfile } from '../engine.js';
import type { Graph } from '../graph/ir.js';
import type { Shape, Tensor } from '../tensor.js';
import type { SerializedError } from './error-codec.js';

/** What the worker needs to rebuild the caller's resolved graph: the source graph and how it was resolved. */
export interface GraphSpec {
  graph: Graph;
  inputShapes: Record<string, Shape>;
  optimize: boolean;
}

export type ToWorker =
  /**
   * threads: the size of the thread team to start (1: none); helpers: one port per helper thread the page made
   * for it (worker-spawn.ts), threads - 1 of them where the page could make them all.
   */
  | { type: 'load'; spec: GraphSpec; threads: number; helpers?: MessagePort[] }
  | { type: 'run'; id: number; inputs: Record<string, Tensor>; profile: boolean };

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
