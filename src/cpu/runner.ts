/**
 * What runs a CPU model's graph: the wasm arena engine (arena/program.ts) wherever WebAssembly SIMD compiles, the
 * JavaScript kernels (run.ts, loaded only then: every current browser has SIMD) elsewhere.
 */
import type { ResolvedGraph } from '../graph/resolve.js';
import type { Tensor } from '../tensor.js';
import { kernelModuleAsync } from './arena/module.js';
import { ArenaProgram } from './arena/program.js';

export interface CpuRunner {
  readonly engine: 'wasm' | 'js';
  /** Runs the graph; `onNode` (profiling) gets each node's index and time. */
  run(inputs: Record<string, unknown>, onNode?: (node: number, ms: number) => void): Map<string, Tensor>;
  /** The wasm engine's program (its memory plan: `program.stats`). */
  readonly program?: ArenaProgram;
}

export async function jsRunner(rg: ResolvedGraph): Promise<CpuRunner> {
  const { runCpu } = await import('./run.js');
  return {
    engine: 'js',
    run: (inputs, onNode) => runCpu(rg, inputs, onNode ? { onNode: (i, _o, ms) => onNode(i, ms) } : {}),
  };
}

/** The fastest runner this engine can run `rg` on. */
export async function openRunner(rg: ResolvedGraph, o: { shared?: boolean; threads?: number } = {}): Promise<CpuRunner> {
  // the kernel module failing to compile (no SIMD) or to inflate is this engine's limit; a planning error is a bug
  const mod = await kernelModuleAsync(o.shared ?? false).catch(() => undefined);
  if (!mod) return jsRunner(rg);
  const program = new ArenaProgram(rg, o, mod);
  return { engine: 'wasm', program, run: (inputs, onNode) => program.run(inputs, onNode) };
}
