/**
 * What runs a CPU model's graph: the wasm arena engine (arena/program.ts) wherever WebAssembly SIMD compiles, the
 * JavaScript kernels (run.ts, loaded only then: every current browser has SIMD) elsewhere. The browser's two workers
 * each bundle one of them (worker.ts the wasm engine, worker-js.ts the JavaScript kernels).
 */
import type { ResolvedGraph } from '../graph/resolve.js';
import type { Tensor } from '../tensor.js';
import { kernelModuleAsync } from './arena/module.js';
import { ArenaProgram, type OutputBuffers } from './arena/program.js';

export interface CpuRunner {
  readonly engine: 'wasm' | 'js';
  /**
   * Runs the graph; `onNode` (profiling) gets each node's index and time; `into` offers buffers for the outputs
   * (ArenaProgram.run; the JavaScript kernels make their own).
   */
  run(inputs: Record<string, unknown>, onNode?: (node: number, ms: number) => void, into?: OutputBuffers): Map<string, Tensor>;
  /** The wasm engine's program (its memory plan: `program.stats`). */
  readonly program?: ArenaProgram;
}

export interface RunnerOptions {
  shared?: boolean;
  threads?: number;
}

export async function jsRunner(rg: ResolvedGraph): Promise<CpuRunner> {
  const { runCpu } = await import('./run.js');
  return {
    engine: 'js',
    run: (inputs, onNode) => runCpu(rg, inputs, onNode ? { onNode: (i, _o, ms) => onNode(i, ms) } : {}),
  };
}

/** The wasm arena engine, or undefined where its kernel module does not compile (no SIMD) or inflate. */
async function arenaRunner(rg: ResolvedGraph, o: RunnerOptions): Promise<CpuRunner | undefined> {
  // the kernel module failing to compile or to inflate is this engine's limit; a planning error is a bug
  const mod = await kernelModuleAsync(o.shared ?? false).catch(() => undefined);
  if (!mod) return undefined;
  const program = new ArenaProgram(rg, o, mod);
  return { engine: 'wasm', program, run: (inputs, onNode, into) => program.run(inputs, onNode, into) };
}

/** The wasm engine alone (the browser worker's: the page sends engines without SIMD to worker-js.ts). */
export async function wasmRunner(rg: ResolvedGraph, o: RunnerOptions = {}): Promise<CpuRunner> {
  const r = await arenaRunner(rg, o);
  if (!r) throw new Error('the CPU kernel module does not compile here (no WebAssembly SIMD or DecompressionStream)');
  return r;
}

/** The fastest runner this engine can run `rg` on. */
export async function openRunner(rg: ResolvedGraph, o: RunnerOptions = {}): Promise<CpuRunner> {
  return (await arenaRunner(rg, o)) ?? jsRunner(rg);
}
