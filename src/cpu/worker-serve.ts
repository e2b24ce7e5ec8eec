/**
 * The CPU worker's side of worker-protocol.ts, for either kind of worker (worker.ts in browsers, worker-node.ts
 * under worker_threads). Messages are handled one at a time, in order: a run posted right after the load
 * finds the graph ready. A run writes its outputs into the buffers its message brings (`into`), where it brings them.
 */
import { UnsupportedOpError } from '../errors.js';
import { isInt } from '../graph/ir.js';
import type { ResolvedGraph } from '../graph/resolve.js';
import { OPS } from '../ops/registry.js';
import type { LayerProfile } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { serializeError } from './error-codec.js';
import type { CpuRunner, RunnerOptions } from './runner.js';
import { profileRun } from './profile-run.js';
import type { TeamKernels } from './thread-team.js';
import type { ThreadTeam } from './threads.js';
import { buffersOf, type FromWorker, type ToWorker, type WireGraph } from './worker-protocol.js';

/** The caller's resolved graph, each node given back its op definition. */
function fromWire(w: WireGraph): ResolvedGraph {
  const missing = w.nodes.filter((n) => !OPS.has(n.op)).map((n) => ({ op: n.op, node: n.node.name, reason: 'not in the CPU worker' }));
  if (missing.length) throw new UnsupportedOpError(missing);
  return { ...w, nodes: w.nodes.map(({ op, ...n }) => ({ ...n, def: OPS.get(op)! })) };
}

export type Post = (msg: FromWorker, transfer: ArrayBuffer[]) => void;

/** Starts a team on the helper threads behind `ports` (thread-team-browser.ts); absent where the worker cannot. */
export type StartTeam = (ports: MessagePort[], kernels: TeamKernels) => Promise<{ team?: ThreadTeam; why?: string }>;

/** Opens the engine a worker bundles (runner.ts: the wasm engine, the JavaScript kernels, or the best of both). */
export type OpenRunner = (rg: ResolvedGraph, o: RunnerOptions) => Promise<CpuRunner>;

export function serve(post: Post, openRunner: OpenRunner, startTeam?: StartTeam): (msg: ToWorker) => void {
  let rg: ResolvedGraph | undefined;
  /** Buffers of the graph's constants: an output that is a view of one is copied, not transferred away. */
  let constantBuffers = new Set<ArrayBufferLike>();
  let team: ThreadTeam | undefined;
  let runner: CpuRunner | undefined;
  const load = async (msg: Extract<ToWorker, { type: 'load' }>) => {
    try {
      rg = fromWire(msg.graph);
      constantBuffers = new Set([...rg.constants.values()].map((v) => (isInt(v) ? v.ints.buffer : v.data.buffer)));
      const ports = msg.helpers ?? [];
      const threads = Math.min(msg.threads, ports.length + 1);
      const shared = threads > 1 && !!startTeam && typeof SharedArrayBuffer !== 'undefined' && !!globalThis.crossOriginIsolated;
      runner = await openRunner(rg, { shared, threads });
      let why: string | undefined;
      if (msg.threads > 1) {
        if (!startTeam) why = 'this worker cannot start threads';
        else if (!ports.length) why = 'no helper thread could be made';
        else if (!runner.program) why = 'no WebAssembly SIMD';
        else if (team) why = 'the worker already serves a model';
        else ({ team, why } = await startTeam(ports, runner.program.teamKernels()));
        if (team && team.helpers < msg.threads - 1) why = `only ${team.helpers} helper thread${team.helpers > 1 ? 's' : ''} could be made`;
        runner.program?.useTeam(team);
      }
      post({ type: 'loaded', wasm: runner.engine === 'wasm', threads: team?.threads ?? 1, why }, []);
    } catch (e) {
      post({ type: 'load-failed', error: serializeError(e) }, []);
    }
  };
  // one message at a time, in order (the load may wait for the threads to start)
  let queue = Promise.resolve();
  return (msg) => {
    queue = queue.then(() => (msg.type === 'load' ? load(msg) : runOne(msg)));
  };

  function runOne(msg: Extract<ToWorker, { type: 'run' }>): void {
    const { id } = msg;
    try {
      if (!rg || !runner) throw new Error('the CPU worker received a run before its graph');
      let profile: LayerProfile | undefined;
      let outputs: Map<string, Tensor>;
      if (msg.profile) ({ outputs, profile } = profileRun(rg, runner, msg.inputs, msg.into));
      else outputs = runner.run(msg.inputs, undefined, msg.into);
      // an output that is a constant, or an input's shared snapshot (which the caller reuses), goes back as a copy
      const list: [string, Tensor][] = [...outputs].map(([k, t]) =>
        constantBuffers.has(t.data.buffer) || !(t.data.buffer instanceof ArrayBuffer) ? [k, { shape: t.shape, data: t.data.slice() }] : [k, t],
      );
      post({ type: 'result', id, outputs: list, profile }, buffersOf(list.map(([, t]) => t)));
    } catch (e) {
      post({ type: 'failed', id, error: serializeError(e) }, []);
    }
  }
}
