/**
 * The CPU backend behind the Model API: in a module Worker by default where there is one (browsers), on the
 * caller's thread otherwise (Node by default: see README, "CPU backend"), or when the worker cannot start.
 */
import { WorkerError } from '../errors.js';
import { detectThreads } from '../features.js';
import type { ResolvedGraph } from '../graph/resolve.js';
import type { AdapterSummary, EngineModel, LayerProfile } from '../engine.js';
import { noRuns } from '../run-stats.js';
import type { Tensor } from '../tensor.js';
import type { CpuRunner } from './runner.js';
import { profileRun } from './profile-run.js';
import type { TeamKernels } from './thread-team.js';
import type { ThreadTeam } from './threads.js';
import { WorkerCpuModel } from './worker-model.js';
import { browserSpawner, type WorkerSpawner } from './worker-spawn.js';

export interface CpuOptions {
  /**
   * Where the CPU backend computes: true (default in browsers) a worker, false the caller's thread (default in
   * Node), or a spawner of your own (e.g. worker-spawn-node.ts's nodeSpawner on a built worker-node.js).
   */
  worker?: boolean | WorkerSpawner;
  /** Transfer the input arrays to the worker instead of copying them (they are detached after run()). */
  transferInputs?: boolean;
  /**
   * Threads to compute on (a team sharing one wasm memory). In a worker: needs cross-origin isolation; default
   * min(navigator.hardwareConcurrency, 4) where the page is cross-origin isolated, else 1. On Node's caller's
   * thread: default min(os.availableParallelism(), 4); the process has one team, sized by the first model that
   * asks for one. 1: one thread.
   */
  numThreads?: number;
}

/** How models on the caller's thread get threads (Node: thread-team-node.ts, installed by node.ts). */
export interface CallerThreads {
  defaultThreads(): number;
  team(kernels: TeamKernels, threads: number): Promise<{ team?: ThreadTeam; why?: string; end(): void }>;
}

let callerThreads: CallerThreads | undefined;

export function setCallerThreads(t: CallerThreads | undefined): void {
  callerThreads = t;
}

/**
 * The CPU backend on the caller's thread, on its own thread team when it has one: a run during which a helper
 * failed is computed again on this thread alone (the inputs are still the caller's), and so is every later run.
 */
export class CpuModel implements EngineModel {
  readonly backend = 'cpu' as const;
  readonly stats = noRuns();
  constructor(
    readonly graph: ResolvedGraph,
    private readonly runner: CpuRunner,
    private readonly why: string,
    readonly adapter?: AdapterSummary,
    private readonly team?: { team: ThreadTeam; end(): void },
    private readonly asked = 1,
  ) {}
  get reason(): string {
    const t = this.team?.team;
    if (!t) return this.why;
    if (t.broken) return `${this.why}, 1 thread (${t.broken}; it had ${this.asked})`;
    return `${this.why}, ${t.threads} threads`;
  }
  async run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>> {
    const out = this.compute(() => this.runner.run(inputs));
    this.stats.cpu++;
    return out;
  }
  async profile(inputs: Record<string, Tensor | Float32Array>) {
    const out = this.compute(() => profileRun(this.graph, this.runner, inputs));
    this.stats.cpu++;
    return out;
  }
  settled(): Promise<void> {
    return Promise.resolve();
  }
  dispose(): void {
    this.runner.program?.useTeam(undefined);
    this.team?.end();
  }
  private compute<T>(f: () => T): T {
    const t = this.team?.team;
    if (!t || t.broken) return f();
    try {
      return f();
    } catch (e) {
      if (e instanceof WorkerError && t.broken) return f();
      throw e;
    }
  }
}

/** Threads to ask the worker for, and why just one when that is all. */
function threadsFor(opts: CpuOptions): { threads: number; single?: string } {
  // By feature, not by crossOriginIsolated alone: WebKitGTK 2.50 is isolated yet exposes no SharedArrayBuffer.
  const shared = detectThreads();
  if (!shared.available) return { threads: 1, single: shared.reason };
  const n = Math.floor(opts.numThreads ?? Math.min(globalThis.navigator?.hardwareConcurrency || 1, 4));
  return n > 1 ? { threads: n } : { threads: 1, single: opts.numThreads ? 'numThreads is 1' : 'one core' };
}

/** Opens the CPU backend for `rg` (resolved and optimized for the CPU here; the worker gets it so); `why` says why the CPU. */
export async function openCpu(rg: ResolvedGraph, why: string, opts: CpuOptions = {}, adapter?: AdapterSummary): Promise<EngineModel> {
  const spawner = typeof opts.worker === 'function' ? opts.worker : opts.worker === false ? undefined : browserSpawner();
  // the engine itself loads only where it runs on this thread (the page normally leaves it to the worker's chunk)
  const openRunner = async (rg: ResolvedGraph, o?: { shared?: boolean; threads?: number }) => (await import('./runner.js')).openRunner(rg, o);
  if (!spawner) {
    const where = opts.worker === true ? 'this engine has no Worker' : opts.worker === false ? 'as requested' : 'Node';
    const base = `${why}; on the caller's thread (${where})`;
    const n = Math.floor(opts.numThreads ?? callerThreads?.defaultThreads() ?? 1);
    const shared = n > 1 && !!callerThreads && typeof SharedArrayBuffer !== 'undefined';
    const runner = await openRunner(rg, { shared, threads: n });
    if (n <= 1) return new CpuModel(rg, runner, `${base}, 1 thread: ${opts.numThreads ? 'numThreads is 1' : 'one core'}`, adapter);
    if (!callerThreads) return new CpuModel(rg, runner, base, adapter);
    if (!runner.program) return new CpuModel(rg, runner, `${base}, 1 thread (asked for ${n}: no WebAssembly SIMD)`, adapter);
    if (!shared) return new CpuModel(rg, runner, `${base}, 1 thread (asked for ${n}: SharedArrayBuffer is not exposed)`, adapter);
    const t = await callerThreads.team(runner.program.teamKernels(), n);
    if (!t.team) return new CpuModel(rg, runner, `${base}, 1 thread (asked for ${n}: ${t.why})`, adapter);
    runner.program.useTeam(t.team);
    return new CpuModel(rg, runner, base, adapter, { team: t.team, end: t.end }, n);
  }
  const { model, failure } = await WorkerCpuModel.open(rg, spawner, { transferInputs: opts.transferInputs ?? false, ...threadsFor(opts) }, why, adapter);
  return model ?? new CpuModel(rg, await openRunner(rg), `${why}; on the caller's thread: the CPU worker could not start (${failure})`, adapter);
}

/** A CPU backend opened on first use (the WebGPU path's fallback) on the graph `cpuGraph` makes; later calls share it. */
export function lazyCpu(cpuGraph: () => ResolvedGraph, opts: CpuOptions = {}): { get(): Promise<EngineModel>; dispose(): void } {
  let m: Promise<EngineModel> | undefined;
  let disposed = false;
  return {
    get: () => (m ??= openCpu(cpuGraph(), 'fallback', opts).then((x) => (disposed && x.dispose(), x))),
    dispose: () => {
      disposed = true;
      void m?.then((x) => x.dispose());
    },
  };
}
