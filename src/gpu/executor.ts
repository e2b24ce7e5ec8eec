import { GpuError, InputError } from '../errors.js';
import type { Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import type { ResolvedGraph } from '../graph/resolve.js';
import { checkInputs } from '../inputs.js';
import { GPU_PROGRAMS } from './programs/registry.js';
import { usesOf } from '../graph/uses.js';
import { sameShape, shapeStr, sizeOf, type Shape, type Tensor } from '../tensor.js';
import { elideBoundaryTransposes } from './boundary.js';
import { elideNoopReshapes } from './noop-reshape.js';
import { halfActivations, halfTensors, storageResolver, type ActivationStorage } from './act-storage.js';
import { elemBytes } from './elem-storage.js';
import { bindGroupFor, makeBuildCtx } from './build-ctx.js';
import type { LayerProfile } from '../engine.js';
import type { GpuContext } from './device.js';
import { gatedRun, type GatedRun, type RunGate } from './gated.js';
import { fromDevice, layoutOf, prefaulted, toDevice } from './layout.js';
import { checkDispatch, checkGraphLimits, planLimits } from './limits.js';
import { BufferTracker, READBACK, STORAGE } from './memory.js';
import { PipelineCache } from './pipelines.js';
import { compileLater, type Dispatch, type GpuNodeProgram } from './program.js';
import { twinCounter } from './twins.js';
import { kernelVariant } from './variant.js';

export interface GpuCompileOptions {
  /** 'packed-f16': interior activations as packed f16 on the hardware path, any device (act-storage.ts); tests and benches only. */
  readonly activations?: ActivationStorage;
}

interface Step {
  readonly name: string;
  readonly op: string;
  /**
   * replaced once by the dispatch's upgrade, between runs; absent while the step does not run (a node's
   * GpuNodeProgram.later before it is swapped in, the dispatches it replaced after)
   */
  pipeline?: GPUComputePipeline;
  bindGroup?: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  /** compiles the dispatch's upgrade and makes its bind group (Dispatch.upgrade) */
  readonly upgrade?: () => Promise<{ pipeline: GPUComputePipeline; bindGroup: () => GPUBindGroup }>;
  readonly warm?: () => Promise<unknown>;
  /** compiles the node's GpuNodeProgram.later and returns what swaps it in for the node's first steps */
  readonly swap?: () => Promise<() => void>;
}

export interface MemoryPlan {
  /** Bytes of the activation buffers after liveness-based reuse. */
  readonly plannedBytes: number;
  /** Bytes if every intermediate had its own buffer. */
  readonly naiveBytes: number;
  readonly buffers: number;
}

/** The graph the executor runs: no-op Reshapes and boundary transposes elided (their names in `raw`). */
export function deviceGraph(graph: ResolvedGraph): { rg: ResolvedGraph; raw: Set<string> } {
  return elideBoundaryTransposes(elideNoopReshapes(graph));
}

/** A graph input already on the GPU, in device layout (NHWC for 4-D, see layout.ts). */
export interface GpuInput {
  readonly buffer: GPUBuffer;
  readonly shape: Shape;
}

type InputValue = Tensor | GpuInput;

function isGpuInput(v: unknown): v is GpuInput {
  return typeof v === 'object' && v !== null && 'buffer' in v && typeof (v as GpuInput).buffer?.size === 'number';
}

/** Host inputs go through the CPU checks; GPUBuffer inputs are checked for shape and size here. */
function checkGpuInputs(rg: ResolvedGraph, inputs: Record<string, unknown>): Map<string, InputValue> {
  const host: Record<string, unknown> = {};
  const gpu = new Map<string, GpuInput>();
  for (const [k, v] of Object.entries(inputs)) {
    if (!isGpuInput(v)) {
      host[k] = v;
      continue;
    }
    const want = rg.inputShapes.get(k);
    if (!want) throw new InputError(`unknown input "${k}"; expected ${[...rg.inputShapes.keys()].map((n) => `"${n}"`).join(', ')}`);
    if (!sameShape(v.shape, want)) throw new InputError(`input "${k}": expected shape ${shapeStr(want)}, got ${shapeStr(v.shape)}`);
    if (v.buffer.size < sizeOf(want) * 4)
      throw new InputError(`input "${k}": GPUBuffer of ${v.buffer.size} bytes is smaller than ${sizeOf(want) * 4} bytes for ${shapeStr(want)}`);
    gpu.set(k, v);
  }
  const checked = checkInputs(rg, host, new Set(gpu.keys()));
  return new Map([...rg.inputShapes.keys()].map((k): [string, InputValue] => [k, gpu.get(k) ?? checked.get(k)!]));
}

export interface GpuRunStats {
  /** Every queue.submit of run(), runToGpu() and profile(), the inputs' GPUBuffer copies included. */
  submits: number;
  readbacks: number;
  /** GPU buffers this model has created, compile included: a steady loop of runs adds none. */
  buffersCreated: number;
}

/** Run and profile read back through one of two slots, alternately: run N+1 copies into one while run N maps the other. */
interface ReadbackSlot {
  readonly buffers: ReadonlyMap<string, GPUBuffer>;
  /** Settles when the last run that used this slot has unmapped it. */
  idle: Promise<unknown>;
}

const settled = (p: Promise<unknown>): Promise<unknown> => p.catch(() => undefined);

/** Calls (run, runToGpu, profile) finished before the upgrades start compiling (GpuExecutor.afterCall). */
export const UPGRADE_AFTER_CALLS = 3;
/** The longest stretch of the caller's thread the upgrades' requests take before yielding (GpuExecutor.startUpgrades). */
const UPGRADE_SLICE_MS = 8;

const asGpuError = (e: unknown): GpuError =>
  e instanceof GpuError ? e : new GpuError(`GPU run failed: ${(e as Error)?.message ?? String(e)}`, 'GPU_RUN');

/**
 * A graph compiled for one device: every pipeline, bind group and uniform is built once; a run writes the
 * inputs, encodes every dispatch into one compute pass, submits once and reads back only the outputs.
 *
 * Calls are pipelined: each call's encode and submit wait only for the previous call's submit (and, for run(),
 * for its readback slot), so the queue orders them and run N+1 is on the GPU while run N's outputs map and
 * convert. Host inputs go through queue.writeBuffer, which stages the data at the call, so one input buffer
 * serves every run in flight, and so does one host array per 4-D input for its NHWC copy (a fresh 1.6 MB array
 * per run cost ~6 ms on the CI machine's VM, nearly all of it page faults).
 */
export class GpuExecutor {
  private readonly counters = { submits: 0, readbacks: 0 };
  /** per 4-D host input, the NHWC array its data is transposed into before writeBuffer (reused run after run) */
  private readonly staging = new Map<string, Float32Array>();
  /** Settles once every call made so far has submitted its work (or failed). */
  private order: Promise<unknown> = Promise.resolve();
  private readonly slots: readonly ReadbackSlot[];
  private turn = 0;
  /** runToGpu's two output sets, made on its first call. */
  private outputSets?: readonly ReadonlyMap<string, GPUBuffer>[];
  private outputTurn = 0;
  /** runInPlace's gate (gated.ts), made on the first gated run. */
  private gated?: Promise<GatedRun>;
  /** The steps of each node, in order (a node may have several dispatches). */
  private readonly nodeSteps: readonly (readonly Step[])[];

  private constructor(
    readonly gpu: GpuContext,
    private readonly rg: ResolvedGraph,
    private readonly tracker: BufferTracker,
    private readonly steps: readonly Step[],
    private readonly edges: ReadonlyMap<string, GPUBuffer>,
    readonly memory: MemoryPlan,
    readonly pipelineCount: number,
    /** Graph inputs/outputs already in device layout as the host holds them (boundary.ts). */
    private readonly raw: ReadonlySet<string> = new Set(),
    /** Interior tensors stored as f16 (act-storage.ts): 2 bytes per element; every other tensor f32. */
    readonly halfTensors: ReadonlySet<string> = new Set(),
  ) {
    const groups: Step[][] = [];
    for (const st of steps) {
      const last = groups[groups.length - 1];
      if (last && last[0]!.name === st.name) last.push(st);
      else groups.push([st]);
    }
    this.nodeSteps = groups;
    this.slots = [0, 1].map((k) => ({ buffers: this.outputBuffers(READBACK, `readback ${k}`), idle: Promise.resolve() }));
  }

  private upgrades?: Promise<void>;
  private callsDone = 0;
  private disposed = false;

  /**
   * Starts the upgrades (Dispatch.upgrade: the exact kernels that replace the first result's; Dispatch.warm) unless
   * they have started, and settles once every one has been swapped in (or has failed: the first pipeline then stays).
   */
  upgraded(): Promise<void> {
    this.upgrades ??= this.disposed || !this.steps.some((s) => s.upgrade || s.warm || s.swap) ? Promise.resolve() : this.startUpgrades();
    return this.upgrades;
  }

  /**
   * Requests every step's upgrade, yielding to the event loop every UPGRADE_SLICE_MS of this thread's time: making a
   * model's shader modules takes tens of ms of the page's thread (a video loop's frame would wait on one long task).
   */
  private async startUpgrades(): Promise<void> {
    const pending: (Promise<unknown> | undefined)[] = [];
    let slice = performance.now();
    for (const st of this.steps) {
      if (this.disposed) break;
      if (performance.now() - slice > UPGRADE_SLICE_MS) {
        await new Promise((r) => setTimeout(r, 0));
        slice = performance.now();
      }
      pending.push(
        st.upgrade?.().then((u) => {
          if (this.disposed || !st.pipeline) return;
          st.bindGroup = u.bindGroup();
          st.pipeline = u.pipeline;
        }, () => undefined),
        st.warm?.().catch(() => undefined),
        st.swap?.().then((commit) => {
          if (!this.disposed) commit();
        }, () => undefined),
      );
    }
    await Promise.all(pending);
  }

  /**
   * After UPGRADE_AFTER_CALLS calls have finished, the upgrades start compiling, off every result's path: a model
   * run once or twice (a photo, a command line, most tests) never spends the seconds of background compile they
   * take on a software adapter, and a loop starts them at its third call.
   */
  private afterCall<T>(p: Promise<T>): Promise<T> {
    if (!this.upgrades)
      void p.then(() => {
        if (++this.callsDone >= UPGRADE_AFTER_CALLS) void this.upgraded();
      }, () => undefined);
    return p;
  }

  /** Counters of the GPU work and allocations so far (see GpuRunStats). */
  get stats(): Readonly<GpuRunStats> {
    return { ...this.counters, buffersCreated: this.tracker.created };
  }

  /** One buffer per graph output that has a GPU buffer (a constant output nothing binds has none: the host answers it). */
  private outputBuffers(usage: GPUBufferUsageFlags, label: string): Map<string, GPUBuffer> {
    const out = new Map<string, GPUBuffer>();
    for (const o of this.rg.graph.outputs)
      if (this.edges.has(o)) out.set(o, this.tracker.create(sizeOf(this.rg.shapes.get(o)!) * 4, usage, `${label} ${o}`));
    return out;
  }

  static async compile(
    gpu: GpuContext,
    graph: ResolvedGraph,
    pipelines = PipelineCache.forDevice(gpu.device),
    opts: GpuCompileOptions = {},
  ): Promise<GpuExecutor> {
    const { rg, raw } = deviceGraph(graph);
    const flavour = halfActivations(gpu, opts.activations);
    const half = flavour ? halfTensors(rg, GPU_PROGRAMS, kernelVariant(gpu.info)) : new Set<string>();
    // Limits first, before any GPU work: a tensor that cannot be bound is a GpuError naming the node.
    const limits = planLimits(gpu);
    checkGraphLimits(rg, limits);
    const tracker = new BufferTracker(gpu.device);
    try {
      const missing = rg.nodes.filter((rn) => !GPU_PROGRAMS.has(rn.node.op));
      if (missing.length)
        throw new GpuError(`no GPU program for ${missing.map((m) => `${m.node.op} (node "${m.node.name}")`).join(', ')}`, 'GPU_UNSUPPORTED');
      const builds: Promise<GpuNodeProgram>[] = [];
      const twins = twinCounter(rg);
      for (const rn of rg.nodes) {
        builds.push(
          GPU_PROGRAMS.get(rn.node.op)!
            .build(rn, makeBuildCtx(
              gpu, pipelines, tracker, rn.node.inputs.map((i) => (i === '' ? undefined : rg.constants.get(i))),
              flavour ? storageResolver(rn.node.inputs, rn.node.outputs, half, flavour) : undefined,
              () => twins(rn),
            ))
            .catch((e: unknown) => {
              // grid() and BufferTracker throw RangeError past a limit; say which node asked.
              if (e instanceof RangeError)
                throw new GpuError(`${rn.node.op} node "${rn.node.name}" (output ${shapeStr(rn.outputShapes[0] ?? [])}): ${e.message}`, 'GPU_LIMIT');
              throw e;
            }),
        );
        // A microtask turn between nodes: a browser sends the GPU calls queued so far to its GPU process in a
        // microtask, so this node's pipelines start compiling there while the next nodes pack their weights.
        await Promise.resolve();
      }
      // allSettled: when one build fails the others must finish before the catch below frees their buffers.
      const settled = await Promise.allSettled(builds);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const programs = settled.map((r) => (r as PromiseFulfilledResult<GpuNodeProgram>).value);
      const { edges, memory } = planMemory(rg, tracker, half);
      uploadConstants(gpu.device, rg, programs, edges, tracker);
      const steps: Step[] = [];
      rg.nodes.forEach((rn, k) => {
        const ins = rn.node.inputs.map((i) => (i === '' ? undefined : edges.get(i)));
        const outs = rn.node.outputs.map((o) => edges.get(o));
        const prog = programs[k]!;
        for (const d of [...prog.dispatches, ...(prog.later ?? [])]) {
          checkDispatch(rn.node.name, rn.node.op, d.workgroups, limits);
          for (const b of d.bindings) {
            if (b.kind === 'input' && !ins[b.index])
              throw new GpuError(`${rn.node.op} node "${rn.node.name}": input ${b.index} has no GPU buffer`);
          }
        }
        const binder = (d: { bindings: Dispatch['bindings']; label: string }) => (p: GPUComputePipeline) =>
          bindGroupFor(gpu.device, p, d.bindings, ins as GPUBuffer[], outs as GPUBuffer[], d.label);
        const first = prog.dispatches.map((d): Step => {
          const bind = binder(d);
          const up = d.upgrade;
          return {
            name: rn.node.name,
            op: rn.node.op,
            pipeline: d.pipeline,
            bindGroup: bind(d.pipeline),
            workgroups: d.workgroups,
            ...(up ? { upgrade: () => up().then((p) => ({ pipeline: p, bindGroup: () => bind(p) })) } : {}),
            ...(d.warm ? { warm: d.warm } : {}),
          };
        });
        const later = (prog.later ?? []).map((d): Step => ({ name: rn.node.name, op: rn.node.op, workgroups: d.workgroups, ...(d.warm ? { warm: d.warm } : {}) }));
        const swap = async () => {
          const pipes = await compileLater(pipelines, prog.later!);
          return () => {
            pipes.forEach((d, i) => Object.assign(later[i]!, { pipeline: d.pipeline, bindGroup: binder(d)(d.pipeline) }));
            for (const st of first) st.pipeline = st.bindGroup = undefined;
          };
        };
        if (later.length) first[0] = { ...first[0]!, swap };
        steps.push(...first, ...later);
      });
      return new GpuExecutor(gpu, rg, tracker, steps, edges, memory, new Set(steps.map((s) => s.pipeline).filter(Boolean)).size, raw, half);
    } catch (e) {
      tracker.destroyAll();
      throw e;
    }
  }

  get dispatchCount(): number {
    return this.running.length;
  }

  /** The steps a run dispatches now. */
  private get running(): readonly Step[] {
    return this.steps.filter((s) => s.pipeline);
  }

  /** What a run dispatches, in order: the node, its op and the grid of each step (for tests and tools). */
  get dispatches(): readonly { readonly node: string; readonly op: string; readonly workgroups: readonly [number, number, number] }[] {
    return this.running.map((s) => ({ node: s.name, op: s.op, workgroups: s.workgroups }));
  }

  get liveBuffers(): { count: number; bytes: number } {
    return { count: this.tracker.count, bytes: this.tracker.bytes };
  }

  /** Runs and reads the outputs back; concurrent calls pipeline (see the class comment) and resolve in call order. */
  run(inputs: Record<string, unknown>): Promise<Map<string, Tensor>> {
    const x = checkGpuInputs(this.rg, inputs);
    const slot = this.slots[this.turn++ % this.slots.length]!;
    const submitted = this.afterPrevious(slot.idle, () => [this.submitRun(x, slot, undefined)]);
    const done = this.afterCall(submitted.then((scopes) => this.finishRun(slot, scopes)));
    slot.idle = settled(done);
    return done.catch((e: unknown) => Promise.reject(asGpuError(e)));
  }

  /**
   * Runs once with per-layer timing: GPU timestamps around each node's compute pass when the device has
   * timestamp-query, otherwise wall-clock around a submit per node (labelled as such). Waits for every run in
   * flight, so no other work is timed with it.
   */
  profile(inputs: Record<string, unknown>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }> {
    const x = checkGpuInputs(this.rg, inputs);
    const slot = this.slots[this.turn++ % this.slots.length]!;
    const prof: LayerProfile = { source: this.gpu.device.features.has('timestamp-query') ? 'timestamp-query' : 'wall-clock', layers: [] };
    const submitted = this.afterPrevious(Promise.all(this.slots.map((s) => s.idle)), async () => {
      const scopes: Promise<GPUError | null>[] = [];
      scopes.push(
        this.scoped(() => {
          const enc = this.gpu.device.createCommandEncoder({ label: 'sepconv profile inputs' });
          this.writeInputs(x, enc);
          this.submit(enc);
        }),
      );
      await this.encodeProfiled(prof, scopes);
      scopes.push(this.submitRun(x, slot, prof));
      return scopes;
    });
    const done = submitted.then((scopes) => this.finishRun(slot, scopes)).then((outputs) => ({ outputs, profile: prof }));
    slot.idle = settled(done);
    return done.catch((e: unknown) => Promise.reject(asGpuError(e)));
  }

  /**
   * Runs and leaves the outputs on the GPU (device layout, see layout.ts); resolves once submitted. The buffers
   * belong to the model and are reused: two sets alternate, so a result stays valid until the call after next
   * (read frame N while frame N+1 runs) and until dispose(). Copy out what must live longer; never destroy them.
   */
  runToGpu(inputs: Record<string, unknown>): Promise<Map<string, { buffer: GPUBuffer; shape: Shape }>> {
    const x = checkGpuInputs(this.rg, inputs);
    this.outputSets ??= [0, 1].map((k) => this.outputBuffers(STORAGE, `gpu output ${k}`));
    const set = this.outputSets[this.outputTurn++ % this.outputSets.length]!;
    const out = new Map<string, { buffer: GPUBuffer; shape: Shape }>();
    const submitted = this.afterPrevious(undefined, () => [
      this.scoped(() => {
        const enc = this.gpu.device.createCommandEncoder({ label: 'sepconv run (to GPU)' });
        this.writeInputs(x, enc);
        this.encodeSteps(enc.beginComputePass(), this.steps);
        for (const [name, buffer] of set) {
          const shape = this.rg.shapes.get(name)!;
          enc.copyBufferToBuffer(this.edges.get(name)!, 0, buffer, 0, sizeOf(shape) * 4);
          out.set(name, { buffer, shape });
        }
        this.submit(enc);
      }),
    ]);
    return this.afterCall(submitted.then((scopes) => this.throwIfInvalid(scopes)))
      .then(() => out)
      .catch((e: unknown) => Promise.reject(asGpuError(e)));
  }

  /** Whether graph edge `name` moves raw, row-major as the model declares it (a TF model's NHWC boundary, boundary.ts). */
  isRaw(name: string): boolean {
    return this.raw.has(name);
  }

  /**
   * The model's own buffer for graph input or output `name` (device layout, see layout.ts), or undefined.
   * Writing an input here and passing `{ buffer, shape }` as that input skips the input copy; an output holds
   * the last run's result until the next run.
   */
  edgeBuffer(name: string): GPUBuffer | undefined {
    return this.rg.inputShapes.has(name) || this.rg.graph.outputs.includes(name) ? this.edges.get(name) : undefined;
  }

  /**
   * Runs and leaves every output in its edgeBuffer (no readback, no allocation after the first gated run); resolves
   * once submitted. `gate`: the run happens on the GPU only where the f32 at `offset` in `buffer` (written by earlier
   * GPU work, never read back) is 1.0; otherwise every dispatch is indirect with 0 workgroups and the outputs keep
   * what they held (a task's second stage on a slot without a detection, gated.ts).
   */
  runInPlace(inputs: Record<string, unknown>, gate?: RunGate): Promise<void> {
    const x = checkGpuInputs(this.rg, inputs);
    const gated = gate && this.prepareGate();
    const submitted = this.afterPrevious(gated, async () => {
      const g = await gated;
      return [
        this.scoped(() => {
          const enc = this.gpu.device.createCommandEncoder({ label: 'sepconv run (in place)' });
          this.writeInputs(x, enc);
          g?.encode(enc, gate!);
          this.encodeSteps(enc.beginComputePass(), this.steps, g?.args);
          this.submit(enc);
        }),
      ];
    });
    return this.afterCall(submitted.then((scopes) => this.throwIfInvalid(scopes))).catch((e: unknown) => Promise.reject(asGpuError(e)));
  }

  /**
   * Settles once every call made so far has submitted its GPU work. Whoever writes a model's input buffer
   * directly (the image input) waits for it, so a run already called reads the frame it was called with.
   */
  submitted(): Promise<void> {
    return this.order.then(() => undefined);
  }

  /** Encodes and submits after the previous call has submitted (and `wait`, if given); resolves to its error scopes. */
  private afterPrevious(
    wait: Promise<unknown> | undefined,
    submit: () => Promise<GPUError | null>[] | Promise<Promise<GPUError | null>[]>,
  ): Promise<Promise<GPUError | null>[]> {
    const p = (wait ? Promise.all([this.order, wait]) : this.order).then(submit);
    this.order = settled(p);
    return p;
  }

  /** Host inputs are written through the queue; GPUBuffer inputs are copied by `enc`, ahead of the run's passes. */
  private writeInputs(inputs: Map<string, InputValue>, enc: GPUCommandEncoder): void {
    const { device } = this.gpu;
    for (const [name, v] of inputs) {
      if ('buffer' in v) {
        if (v.buffer === this.edges.get(name)) continue;
        enc.copyBufferToBuffer(v.buffer, 0, this.edges.get(name)!, 0, sizeOf(v.shape) * 4);
        continue;
      }
      let dev = v.data;
      if (!this.raw.has(name) && layoutOf(v.shape) === 'nhwc') {
        dev = toDevice(v.shape, v.data, this.staging.get(name));
        this.staging.set(name, dev);
      }
      device.queue.writeBuffer(this.edges.get(name)!, 0, dev.buffer, dev.byteOffset, dev.byteLength);
    }
  }

  private submit(enc: GPUCommandEncoder): void {
    this.gpu.device.queue.submit([enc.finish()]);
    this.counters.submits++;
  }

  /**
   * Runs a synchronous stretch of GPU calls in a validation error scope and resolves to its error, if any. The
   * scope never spans an await, so the scopes of other users of the same device cannot interleave with it.
   */
  private scoped(f: () => void): Promise<GPUError | null> {
    const { device } = this.gpu;
    device.pushErrorScope('validation');
    try {
      f();
    } catch (e) {
      void device.popErrorScope().catch(() => undefined);
      throw e;
    }
    // Older implementations reject on a lost device instead of resolving null; the loss is reported elsewhere.
    return device.popErrorScope().catch(() => null);
  }

  /** A validation error of a run is a GpuError naming the first node that fails on its own. */
  private async throwIfInvalid(scopes: readonly Promise<GPUError | null>[]): Promise<void> {
    const invalid = (await Promise.all(scopes)).find((e) => e);
    if (!invalid) return;
    const { device } = this.gpu;
    for (const g of this.nodeSteps) {
      const alone = this.scoped(() => {
        const enc = device.createCommandEncoder({ label: `sepconv diagnose ${g[0]!.name}` });
        this.encodeSteps(enc.beginComputePass(), g);
        device.queue.submit([enc.finish()]);
      });
      const err = await alone;
      if (err) throw new GpuError(`${g[0]!.op} node "${g[0]!.name}": ${err.message}`, 'GPU_VALIDATION');
    }
    throw new GpuError(`the run's input writes or output copies failed: ${invalid.message}`, 'GPU_VALIDATION');
  }

  private async encodeProfiled(prof: LayerProfile, scopes: Promise<GPUError | null>[]): Promise<void> {
    const { device } = this.gpu;
    const groups = this.nodeSteps;
    if (prof.source === 'wall-clock') {
      for (const g of groups) {
        const t0 = performance.now();
        scopes.push(
          this.scoped(() => {
            const enc = device.createCommandEncoder();
            this.encodeSteps(enc.beginComputePass(), g);
            this.submit(enc);
          }),
        );
        await device.queue.onSubmittedWorkDone();
        prof.layers.push({ node: g[0]!.name, op: g[0]!.op, ms: performance.now() - t0 });
      }
      return;
    }
    const count = groups.length * 2;
    const querySet = device.createQuerySet({ type: 'timestamp', count });
    const resolveBuf = this.tracker.create(count * 8, 0x0200 | 0x0004, 'timestamps'); // QUERY_RESOLVE | COPY_SRC
    const readBuf = this.tracker.create(count * 8, READBACK, 'timestamps readback');
    try {
      scopes.push(
        this.scoped(() => {
          const enc = device.createCommandEncoder({ label: 'sepconv profile' });
          groups.forEach((g, i) => {
            this.encodeSteps(enc.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } }), g);
          });
          enc.resolveQuerySet(querySet, 0, count, resolveBuf, 0);
          enc.copyBufferToBuffer(resolveBuf, 0, readBuf, 0, count * 8);
          this.submit(enc);
        }),
      );
      await readBuf.mapAsync(0x0001);
      const ts = new BigInt64Array(readBuf.getMappedRange().slice(0));
      readBuf.unmap();
      groups.forEach((g, i) => prof.layers.push({ node: g[0]!.name, op: g[0]!.op, ms: Number(ts[2 * i + 1]! - ts[2 * i]!) / 1e6 }));
    } finally {
      querySet.destroy();
      this.tracker.destroy(resolveBuf);
      this.tracker.destroy(readBuf);
    }
  }

  /** Makes runInPlace's gate (buffers, pipeline) now rather than on the first gated run, e.g. before a video's first frame. */
  prepareGate(): Promise<GatedRun> {
    return (this.gated ??= gatedRun(this.gpu.device, this.tracker, this.steps));
  }

  /** `indirect`: every dispatch's size from there (3 u32 per step, in order; see gated.ts). */
  private encodeSteps(pass: GPUComputePassEncoder, steps: readonly Step[], indirect?: GPUBuffer): void {
    steps.forEach((s, i) => {
      if (!s.pipeline) return;
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup!);
      if (indirect) pass.dispatchWorkgroupsIndirect(indirect, 12 * i);
      else pass.dispatchWorkgroups(s.workgroups[0], s.workgroups[1], s.workgroups[2]);
    });
    pass.end();
  }

  /** One submit: inputs, every node's dispatch and the output copies into `slot` (a profiled run has submitted its passes). */
  private submitRun(inputs: Map<string, InputValue>, slot: ReadbackSlot, prof: LayerProfile | undefined): Promise<GPUError | null> {
    return this.scoped(() => {
      const enc = this.gpu.device.createCommandEncoder({ label: 'sepconv run' });
      if (!prof) {
        this.writeInputs(inputs, enc);
        this.encodeSteps(enc.beginComputePass(), this.steps);
      }
      for (const [name, rb] of slot.buffers) enc.copyBufferToBuffer(this.edges.get(name)!, 0, rb, 0, sizeOf(this.rg.shapes.get(name)!) * 4);
      this.submit(enc);
    });
  }

  private async finishRun(slot: ReadbackSlot, scopes: readonly Promise<GPUError | null>[]): Promise<Map<string, Tensor>> {
    // Settle the readback before reporting: a map still pending would fail the next copy into the same slot.
    const [read] = await Promise.allSettled([this.readOutputs(slot)]);
    await this.throwIfInvalid(scopes);
    if (read.status === 'rejected') throw read.reason;
    return read.value;
  }

  private async readOutputs(slot: ReadbackSlot): Promise<Map<string, Tensor>> {
    const out = new Map<string, Tensor>();
    await Promise.all(
      this.rg.graph.outputs.map(async (name) => {
        const shape = this.rg.shapes.get(name)!;
        const constant = this.rg.constants.get(name);
        const rb = slot.buffers.get(name);
        if (constant) {
          out.set(name, asTensor(constant));
          return;
        }
        if (!rb) throw new GpuError(`output "${name}" has no GPU buffer`);
        const map = rb.mapAsync(0x0001);
        // the result's array, its pages faulted in while the GPU still runs: on the CI machine's VM a fresh 3.2 MB
        // array cost ~12 ms of faults inside the copy (dsc's run 0.77x with the input staging above, A/B in one page)
        const data = prefaulted(sizeOf(shape));
        await map;
        this.counters.readbacks++;
        // a 4-D output is transposed straight out of the mapped range (one copy, not two)
        const mapped = new Float32Array(rb.getMappedRange(), 0, sizeOf(shape));
        if (this.raw.has(name) || layoutOf(shape) !== 'nhwc') data.set(mapped);
        else fromDevice(shape, mapped, data);
        rb.unmap();
        out.set(name, { shape, data });
      }),
    );
    return new Map(this.rg.graph.outputs.map((o) => [o, out.get(o)!]));
  }

  dispose(): void {
    this.disposed = true;
    this.tracker.destroyAll();
  }
}

function asTensor(v: Value): Tensor {
  return isInt(v) ? { shape: v.shape, data: Float32Array.from(v.ints) } : v;
}

/**
 * Liveness-based reuse: an intermediate's buffer returns to a free list once its last reader has been
 * encoded, and a later value takes the smallest free buffer that fits. Graph inputs and outputs are pinned.
 */
function planMemory(rg: ResolvedGraph, tracker: BufferTracker, half: ReadonlySet<string>): { edges: Map<string, GPUBuffer>; memory: MemoryPlan } {
  const edges = new Map<string, GPUBuffer>();
  // whole 16-byte units: a vec4<f32> or two vec4<f16> (act-storage.ts), so every vec4 binding covers the buffer
  const bytesOf = (s: Shape, name = '') => Math.max(16, Math.ceil((sizeOf(s) * elemBytes(half.has(name) ? 'f16' : 'f32')) / 16) * 16);
  const pinned = new Set<string>([...rg.inputShapes.keys(), ...rg.graph.outputs]);
  const { readers, lastUse } = usesOf(rg);
  for (const [name, shape] of rg.inputShapes) edges.set(name, tracker.create(bytesOf(shape), STORAGE, `input ${name}`));
  const free: { buf: GPUBuffer; size: number }[] = [];
  let planned = 0;
  let naive = 0;
  let count = 0;
  rg.nodes.forEach((rn, k) => {
    rn.node.outputs.forEach((o, j) => {
      if (o === '') return;
      const size = bytesOf(rn.outputShapes[j]!, o);
      naive += size;
      if (pinned.has(o)) {
        edges.set(o, tracker.create(size, STORAGE, `output ${o}`));
        planned += size;
        count++;
        return;
      }
      let best = -1;
      free.forEach((f, i) => f.size >= size && (best < 0 || f.size < free[best]!.size) && (best = i));
      if (best >= 0) edges.set(o, free.splice(best, 1)[0]!.buf);
      else {
        edges.set(o, tracker.create(size, STORAGE, `act ${o}`));
        planned += size;
        count++;
      }
    });
    const released = new Set<GPUBuffer>();
    for (const i of lastUse.get(k) ?? []) {
      if (pinned.has(i) || !edges.has(i)) continue;
      const buf = edges.get(i)!;
      if (released.has(buf)) continue;
      released.add(buf);
      free.push({ buf, size: buf.size });
    }
    // Outputs nobody reads are dead at once.
    rn.node.outputs.forEach((o) => {
      if (o === '' || pinned.has(o) || readers.has(o)) return;
      const buf = edges.get(o)!;
      if (!released.has(buf)) free.push({ buf, size: buf.size });
    });
  });
  return { edges, memory: { plannedBytes: planned, naiveBytes: naive, buffers: count } };
}

/** Constant inputs that a program binds as runtime inputs (e.g. a constant Add operand) get a device-layout copy. */
function uploadConstants(
  device: GPUDevice,
  rg: ResolvedGraph,
  programs: readonly GpuNodeProgram[],
  edges: Map<string, GPUBuffer>,
  tracker: BufferTracker,
): void {
  rg.nodes.forEach((rn, k) => {
    for (const d of [...programs[k]!.dispatches, ...(programs[k]!.later ?? [])])
      for (const b of d.bindings) {
        if (b.kind !== 'input') continue;
        const name = rn.node.inputs[b.index]!;
        const v = rg.constants.get(name);
        if (!v || edges.has(name)) continue;
        const t = asTensor(v);
        const dev = toDevice(t.shape, t.data);
        const buf = tracker.create(Math.max(4, dev.byteLength), STORAGE, `const ${name}`);
        device.queue.writeBuffer(buf, 0, dev.buffer, dev.byteOffset, dev.byteLength);
        edges.set(name, buf);
      }
  });
}
