/**
 * A compiled model on the CPU engine: one wasm memory holding every activation (planned offsets), the packed
 * constants and the scratch; a run copies each input in once, replays the planned calls, and copies each output
 * out once. Nothing is allocated in steady state but the output arrays handed to the caller.
 *
 * A fresh array costs more than the copy into it: every page of it faults on its first write (a 3.2 MB output:
 * 0.8 ms against 0.08 ms copied into touched pages). A run may be given the buffers to write its outputs into
 * (`into`, by graph output): the CPU worker is sent buffers its page touched while the worker computed
 * (worker-model.ts).
 */
import { type Value } from '../../graph/ir.js';
import { EMPTY_VALUE, runKernel, type ResolvedGraph } from '../../graph/resolve.js';
import { checkInputs } from '../../inputs.js';
import { asFloat } from '../../ops/types.js';
import { sizeOf, type Tensor } from '../../tensor.js';
import { instantiateKernels, kernelMemory, kernelModule, kernelModuleAsync, type KernelExports, type KernelModule } from './module.js';
import { planArena, type ArenaPlan, type ArenaValue } from './plan.js';
import type { ArenaKernel, Call } from './types.js';
import { ThreadPlan } from '../thread-plan.js';
import type { TeamKernels } from '../thread-team.js';
import type { KernelCall, ThreadTeam } from '../threads.js';

/** Each helper thread's wasm stack. */
const HELPER_STACK = 64 * 1024;

/** How a program's memory splits, in bytes (the memory report the issue asks for). */
export interface ArenaStats {
  /** The planned activation region. */
  arena: number;
  /** Every activation tensor laid end to end (what a plan-less engine would hold). */
  activations: number;
  weights: number;
  scratch: number;
  /** The wasm memory in all. */
  memory: number;
  /** Ops run by their JavaScript reference kernel, with counts. */
  fallbacks: Record<string, number>;
}

export interface ArenaOptions {
  kernels?: ReadonlyMap<string, ArenaKernel>;
  /** A shared memory (for a thread team). */
  shared?: boolean;
  threads?: number;
}

/** Buffers a run writes its outputs into, by graph output name (ArenaProgram.run). */
export type OutputBuffers = Readonly<Record<string, ArrayBuffer>>;

type Bound = () => void;
type RunStep = { node: number; run: Bound };
/** A call, whole (one thread) and as per-thread lists for a team of `threads` (made on first use). */
interface TeamCall {
  whole: Bound;
  split?: (threads: number) => KernelCall[][];
}

export class ArenaProgram {
  readonly plan: ArenaPlan;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** The memory as floats; it never grows (sized once by the plan), so one view serves every run. */
  private readonly f32: Float32Array;
  private readonly steps: RunStep[];
  private ints = new Map<string, Value>();
  private team?: ThreadTeam;
  /** Set while a step runs on this thread alone (ThreadPlan's choice). */
  private single = false;
  private always = false;
  private readonly module: KernelModule;
  private readonly threads: number;
  private readonly stackBase: number;
  /** Which steps pay for the team, for plain and for profiled runs (measured: thread-plan.ts). */
  readonly plans: [ThreadPlan, ThreadPlan];

  /** Compiles the kernel module in the background first (what a page's main thread must do). */
  static async create(graph: ResolvedGraph, o: ArenaOptions = {}): Promise<ArenaProgram> {
    return new ArenaProgram(graph, o, await kernelModuleAsync(o.shared ?? false));
  }

  constructor(
    readonly graph: ResolvedGraph,
    o: ArenaOptions = {},
    mod: KernelModule = kernelModule(o.shared ?? false),
  ) {
    const shared = o.shared ?? false;
    this.module = mod;
    this.threads = shared ? Math.max(1, o.threads ?? 1) : 1;
    this.plan = planArena(graph, mod.heapBase, this.threads, o.kernels);
    this.stackBase = (this.plan.memoryBytes + 15) & ~15;
    this.memory = kernelMemory(this.stackBase + (this.threads - 1) * HELPER_STACK, shared);
    const alone = <T>(f: () => T): T => {
      this.single = true;
      try {
        return f();
      } finally {
        this.single = false;
      }
    };
    this.plans = [new ThreadPlan(alone), new ThreadPlan(alone)];
    this.exports = instantiateKernels(mod, this.memory);
    this.f32 = new Float32Array(this.memory.buffer);
    for (const w of this.plan.weights) this.f32.set(w.data, w.offset / 4);
    this.steps = this.plan.steps.map((s) => ({ node: s.node, run: 'calls' in s ? this.bindCalls(s.calls) : this.jsStep(s.js) }));
  }

  get stats(): ArenaStats {
    const p = this.plan;
    return {
      arena: p.arenaBytes, activations: p.activationBytes, weights: p.weightBytes, scratch: p.scratchBytes,
      memory: this.memory.buffer.byteLength, fallbacks: Object.fromEntries(p.fallbacks),
    };
  }

  /** What helper threads need to run this program's calls (its memory is shared when it was made for threads). */
  teamKernels(): TeamKernels {
    const table = { names: [...this.module.params.keys()], f32: [...this.module.params.values()] };
    const stacks = Array.from({ length: this.threads - 1 }, (_, h) => this.stackBase + (h + 1) * HELPER_STACK);
    return { module: this.module.module, memory: this.memory, exports: this.exports, table, stacks };
  }

  /**
   * Splits tiled calls over `team` from now on (a team of at most the threads the program was planned for); where
   * the split pays is measured per step (thread-plan.ts), unless `always` (tests) puts every tiled call on the team.
   */
  useTeam(team: ThreadTeam | undefined, o: { always?: boolean } = {}): void {
    if (team && team.threads > this.threads) throw new RangeError(`a program planned for ${this.threads} threads was given a team of ${team.threads}`);
    this.team = team;
    this.always = o.always ?? false;
  }

  private bindCalls(calls: Call[]): Bound {
    const bound = calls.map((c): TeamCall => {
      const f = this.exports[c.fn];
      if (typeof f !== 'function') throw new Error(`CPU engine: the kernel module has no export ${c.fn}`);
      const args = (t: number) => {
        const a = [...c.args];
        if (c.scratch) a[c.scratch.arg] = this.plan.scratchOffset + t * this.plan.scratchBytes;
        return a;
      };
      const whole = f.bind(null, ...args(0), ...(c.tiles !== undefined ? [0, c.tiles] : [])) as Bound;
      const tiles = c.tiles ?? 0;
      if (tiles < 2) return { whole };
      const lists = new Map<number, KernelCall[][]>();
      const split = (threads: number) => {
        let l = lists.get(threads);
        if (!l) {
          const n = Math.min(threads, tiles);
          l = Array.from({ length: n }, (_, t) => [{ fn: c.fn, args: [...args(t), Math.floor((tiles * t) / n), Math.floor((tiles * (t + 1)) / n)] }]);
          lists.set(threads, l);
        }
        return l;
      };
      return { whole, split };
    });
    const one = (c: TeamCall) => {
      const team = this.team;
      if (!team || this.single || !c.split || team.threads < 2) c.whole();
      else team.run(c.split(team.threads));
    };
    if (bound.length === 1) {
      const c = bound[0]!;
      return c.split ? () => one(c) : c.whole;
    }
    return () => {
      for (const c of bound) one(c);
    };
  }

  private jsStep(js: { rn: ResolvedGraph['nodes'][number]; ins: string[]; outs: string[] }): Bound {
    const { rn } = js;
    const vals = this.plan.values;
    const f32 = this.f32;
    return () => {
      const ins = js.ins.map((n): Value => {
        if (n === '') return EMPTY_VALUE;
        const v = vals.get(n);
        if (v) return { shape: v.shape, data: f32.slice(v.offset / 4, v.offset / 4 + sizeOf(v.shape)) };
        return this.ints.get(n) ?? this.graph.constants.get(n) ?? EMPTY_VALUE;
      });
      const outs = runKernel(rn.node, () => rn.def.reference(ins, rn.attrs));
      js.outs.forEach((n, i) => {
        if (n === '') return;
        const v = vals.get(n);
        const out = outs[i]!;
        if (!v) this.ints.set(n, out);
        else f32.set(asFloat(out, `${rn.node.op} output`).data.subarray(0, sizeOf(v.shape)), v.offset / 4);
      });
    };
  }

  /**
   * Runs the model; `onNode` (profiling) is called after each graph node's steps with their time. An output given a
   * buffer of its exact byte size in `into` is written there (the result's array is a view of it); any other is a
   * fresh array.
   */
  run(inputs: Record<string, unknown>, onNode?: (node: number, ms: number) => void, into?: OutputBuffers): Map<string, Tensor> {
    const given = checkInputs(this.graph, inputs);
    for (const [name, t] of given) {
      const v = this.plan.values.get(name);
      if (v) this.f32.set(t.data, v.offset / 4);
    }
    this.ints.clear();
    const team = this.team && this.team.threads > 1 ? this.team : undefined;
    const plan = team && !this.always ? this.plans[onNode ? 1 : 0] : undefined;
    const steps = this.steps;
    if (onNode) {
      // every node, in order, also those whose steps the plan made aliases (0 ms)
      let k = 0;
      for (let node = 0; node < this.graph.nodes.length; node++) {
        const t0 = performance.now();
        for (; k < steps.length && steps[k]!.node === node; k++) {
          const s = steps[k]!;
          if (plan) plan.step(k, s.run);
          else s.run();
        }
        onNode(node, performance.now() - t0);
      }
    } else if (plan) for (let k = 0; k < steps.length; k++) plan.step(k, steps[k]!.run);
    else for (const s of steps) s.run();
    plan?.done();
    const out = new Map<string, Tensor>();
    for (const name of this.graph.graph.outputs) out.set(name, this.read(name, given, into?.[name]));
    return out;
  }

  private read(name: string, given: Map<string, Tensor>, buffer: ArrayBuffer | undefined): Tensor {
    const v: ArenaValue | undefined = this.plan.values.get(this.plan.outputs.get(name) ?? '');
    if (!v) return asFloat(this.ints.get(name) ?? this.graph.constants.get(name) ?? given.get(name), `output ${name}`);
    const from = this.f32.subarray(v.offset / 4, v.offset / 4 + sizeOf(v.shape));
    if (buffer?.byteLength !== from.byteLength) return { shape: [...v.shape], data: from.slice() };
    const data = new Float32Array(buffer);
    data.set(from);
    return { shape: [...v.shape], data };
  }
}
