/**
 * The CPU backend off the caller's thread: one worker holds the resolved graph (sent once, at load) and runs
 * the calls in order. Inputs are checked here first (an InputError never costs a round trip and never detaches
 * the caller's arrays), then copied or, with `transferInputs`, transferred; outputs come back transferred.
 *
 * A worker that dies (uncaught error, crash, exit) is replaced by a fresh one: each run it held is sent again
 * once — copied inputs are kept for that — and rejects with a WorkerError if it dies a second time, or at
 * once when its inputs were transferred away. The model stays usable either way; dispose() terminates it.
 */
import { WorkerError } from '../errors.js';
import type { ResolvedGraph } from '../graph/resolve.js';
import type { AdapterSummary, EngineModel, LayerProfile } from '../engine.js';
import { noRuns } from '../run-stats.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { reviveError } from './error-codec.js';
import { checkInputs } from '../inputs.js';
import { buffersOf, toWire, type FromWorker, type WireGraph } from './worker-protocol.js';
import type { WorkerEndpoint, WorkerSpawner } from './worker-spawn.js';

interface Job {
  id: number;
  inputs: Record<string, Tensor>;
  transferred: boolean;
  profile: boolean;
  attempts: number;
  resolve(r: { outputs: Map<string, Tensor>; profile?: LayerProfile }): void;
  reject(e: unknown): void;
}

interface Slot {
  endpoint: WorkerEndpoint;
  /** Settles when the worker has the graph: its 'loaded' message, or undefined if it died first (why in `deathReason`). */
  loaded: Promise<Extract<FromWorker, { type: 'loaded' }> | undefined>;
  deathReason?: string;
}

export interface WorkerModelOptions {
  transferInputs: boolean;
  /** Threads the worker should compute on (a team sharing one wasm memory); 1 for none. */
  threads: number;
  /** Why the team is not asked for when threads is 1 (e.g. no cross-origin isolation). */
  single?: string;
  /** ms a new worker may take to hold the graph (default WORKER_START_MS). */
  startMs?: number;
}

/**
 * Copied inputs as SharedArrayBuffer snapshots where the page may share memory: one copy on this thread and none
 * into the worker (a clone would be a second), reused run after run. A snapshot goes back to the pool when its
 * run has settled, so a retry still reads what the caller passed.
 */
class Snapshots {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  static readonly usable = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;

  take(t: Tensor): Tensor {
    const bytes = t.data.byteLength;
    const buf = this.free.get(bytes)?.pop() ?? new SharedArrayBuffer(bytes);
    const data = new Float32Array(buf);
    data.set(t.data);
    return { shape: t.shape, data };
  }

  give(inputs: Record<string, Tensor>): void {
    for (const t of Object.values(inputs)) {
      const b = t.data.buffer;
      if (!(b instanceof SharedArrayBuffer)) continue;
      const list = this.free.get(b.byteLength) ?? [];
      if (list.length < 4) list.push(b);
      this.free.set(b.byteLength, list);
    }
  }
}

/** Floats of a spare output buffer touched per task (about 100 µs of page faults): the page is never held up longer. */
const TOUCH_FLOATS = 1 << 16;
/** Floats per memory page: one write makes a page resident. */
const PAGE_FLOATS = 1024;
/** Mult-adds per output byte under which a team that uses every core still gets spare buffers (OutputSpares). */
const SPARES_MAX_MACS_PER_BYTE = 32;

/**
 * The next run's output buffers, made on this thread while the worker computes. A fresh buffer's pages fault on
 * their first write (a 3.2 MB output: about 1 ms), which the worker would otherwise pay inside every run: each run
 * takes the buffers made so far (one per graph output that is not a constant, of its float size; the worker writes
 * into those of the right size) and makes the next ones, touched a page at a time in tasks of TOUCH_FLOATS (the
 * caller's own tasks run between them); after the last run they stop when the buffers in hand are made. Each is
 * transferred to the worker and comes back as that run's output.
 * Made where the machine has a core the worker's threads leave over, or where the run is light for its output
 * (SPARES_MAX_MACS_PER_BYTE): on 2 cores with a 2-thread team the touching takes the helper's core, which costs a
 * compute-bound model more than it saves (conv3x3, 72 mult-adds per output byte: 10.1 ms a run against 6.5–6.8)
 * and saves a light one more than it costs (dsc, 9.5: 2.7 ms against 2.7–4.0; Chromium, bench/run.mjs).
 */
class OutputSpares {
  private made?: Record<string, ArrayBuffer>;
  /** The output being made (index in `bytes`) and how many of its floats are touched. */
  private next = 0;
  private at = 0;
  private pending = false;
  private readonly tick = typeof MessageChannel === 'function' ? new MessageChannel() : undefined;

  constructor(private readonly bytes: [string, number][]) {
    if (!this.tick) return;
    this.tick.port2.onmessage = () => {
      this.pending = false;
      this.step();
    };
    // Node: the channel alone must not keep the process alive
    (this.tick.port2 as { unref?: () => void }).unref?.();
  }

  /** The buffers made for this run (none for the first, nor for an output not reached yet); the next run's are begun. */
  take(): Record<string, ArrayBuffer> | undefined {
    const into = this.made;
    this.made = {};
    this.next = this.at = 0;
    this.schedule();
    return into;
  }

  private schedule(): void {
    if (this.pending || !this.tick || this.next >= this.bytes.length) return;
    this.pending = true;
    this.tick.port1.postMessage(0);
  }

  // allocating a buffer is a task of its own too: a run's post waits for neither
  private step(): void {
    const e = this.bytes[this.next];
    if (!e) return;
    const f = new Float32Array((this.made![e[0]] ??= new ArrayBuffer(e[1])));
    const end = Math.min(f.length, this.at + TOUCH_FLOATS);
    for (let i = this.at; i < end; i += PAGE_FLOATS) f[i] = 0;
    this.at = end;
    if (end === f.length) {
      this.next++;
      this.at = 0;
    }
    this.schedule();
  }
}

/** How long a new CPU worker may take to hold the graph (its thread team gives up sooner) before load() goes on without it. */
const WORKER_START_MS = 60_000;

export class WorkerCpuModel implements EngineModel {
  readonly backend = 'cpu' as const;
  readonly stats = noRuns();
  private slot?: Slot;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private disposed = false;
  private readonly snapshots = new Snapshots();
  /** Where a core is left over by the worker's threads (module OutputSpares). */
  private spares?: OutputSpares;
  /** Workers started so far (the first one and every replacement). */
  spawned = 0;
  /** Threads the worker computes on (its team, as it reported at load). */
  threads = 1;
  reason = '';

  private constructor(
    readonly graph: ResolvedGraph,
    private readonly wire: WireGraph,
    private readonly spawner: WorkerSpawner,
    private readonly opts: WorkerModelOptions,
    readonly adapter?: AdapterSummary,
  ) {}

  /**
   * Starts the worker and waits until it holds the graph. Undefined when the worker could not start (no script,
   * a CSP that forbids workers, no wasm in workers...): the caller then runs on its own thread.
   */
  static async open(
    graph: ResolvedGraph, spawner: WorkerSpawner, opts: WorkerModelOptions, why: string, adapter?: AdapterSummary,
  ): Promise<{ model?: WorkerCpuModel; failure?: string }> {
    const m = new WorkerCpuModel(graph, toWire(graph), spawner, opts, adapter);
    const slot = m.start();
    // a worker that never starts may fire no event at all: after WORKER_START_MS it counts as one that failed
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        slot.deathReason ??= `it did not answer within ${(opts.startMs ?? WORKER_START_MS) / 1000} s`;
        resolve(undefined);
      }, opts.startMs ?? WORKER_START_MS);
    });
    const loaded = await Promise.race([slot.loaded, late]);
    clearTimeout(timer);
    if (!loaded) {
      m.dispose();
      return { failure: slot.deathReason ?? 'unknown' };
    }
    m.threads = loaded.threads;
    const outputs = graph.graph.outputs.filter((k) => !graph.constants.has(k)).map((k): [string, number] => [k, sizeOf(graph.shapes.get(k)!) * 4]);
    const macs = graph.nodes.reduce((a, n) => a + n.cost.macs, 0);
    const outBytes = outputs.reduce((a, [, b]) => a + b, 0);
    if ((globalThis.navigator?.hardwareConcurrency ?? Infinity) > m.threads || macs < SPARES_MAX_MACS_PER_BYTE * outBytes) m.spares = new OutputSpares(outputs);
    const note = opts.threads > 1 ? (loaded.threads < opts.threads ? ` (asked for ${opts.threads}: ${loaded.why ?? 'unavailable'})` : '') : opts.single ? `: ${opts.single}` : '';
    m.reason = `${why}; in a worker, ${loaded.threads} thread${loaded.threads > 1 ? 's' : ''}${note}`;
    return { model: m };
  }

  run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>> {
    return this.submit(inputs, false).then((r) => (this.stats.cpu++, r.outputs));
  }

  profile(inputs: Record<string, Tensor | Float32Array>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }> {
    return this.submit(inputs, true).then((r) => (this.stats.cpu++, { outputs: r.outputs, profile: r.profile ?? { source: 'cpu', layers: [] } }));
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {
    this.disposed = true;
    this.slot?.endpoint.terminate();
    this.slot = undefined;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const j of jobs) j.reject(new WorkerError('the model was disposed before this run finished', false, 'DISPOSED'));
  }

  private submit(inputs: Record<string, unknown>, profile: boolean): Promise<{ outputs: Map<string, Tensor>; profile?: LayerProfile }> {
    if (this.disposed) return Promise.reject(new WorkerError('run() after dispose()', false, 'DISPOSED'));
    let checked: Map<string, Tensor>;
    try {
      checked = checkInputs(this.graph, inputs);
    } catch (e) {
      return Promise.reject(e);
    }
    const transferred = this.opts.transferInputs;
    const feed: Record<string, Tensor> = {};
    const shared = !transferred && Snapshots.usable;
    for (const [k, t] of checked) feed[k] = transferred ? t : shared ? this.snapshots.take(t) : { shape: t.shape, data: t.data.slice() };
    return new Promise<{ outputs: Map<string, Tensor>; profile?: LayerProfile }>((resolve, reject) => {
      this.send({ id: this.nextId++, inputs: feed, transferred, profile, attempts: 0, resolve, reject });
    }).finally(() => shared && this.snapshots.give(feed));
  }

  private send(job: Job): void {
    const slot = this.slot ?? this.start();
    job.attempts++;
    this.jobs.set(job.id, job);
    // A kept (copied) input is cloned again, not transferred: it may be needed for the retry.
    const into = this.spares?.take();
    const transfer = [...(job.transferred ? buffersOf(Object.values(job.inputs)) : []), ...Object.values(into ?? {})];
    slot.endpoint.post({ type: 'run', id: job.id, inputs: job.inputs, profile: job.profile, into }, transfer);
  }

  private start(): Slot {
    let settle!: (m: Extract<FromWorker, { type: 'loaded' }> | undefined) => void;
    const slot: Slot = { endpoint: undefined as unknown as WorkerEndpoint, loaded: new Promise((r) => (settle = r)) };
    this.slot = slot;
    this.spawned++;
    slot.endpoint = this.spawner({
      message: (m) => {
        if (m.type === 'loaded') settle(m);
        // a worker that cannot hold the graph (its engine does not load here) counts as one that could not start
        if (m.type === 'load-failed') {
          slot.deathReason ??= `it could not load the graph: ${m.error.message}`;
          settle(undefined);
        }
        if (this.slot === slot) this.onMessage(m);
      },
      death: (why) => {
        slot.deathReason = why;
        settle(undefined);
        if (this.slot === slot) this.onDeath(why);
      },
    });
    const helpers = this.opts.threads > 1 ? slot.endpoint.helpers?.(this.opts.threads - 1) : undefined;
    slot.endpoint.post({ type: 'load', graph: this.wire, threads: this.opts.threads, helpers }, helpers ?? []);
    return slot;
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'loaded') return;
    if (m.type === 'load-failed') {
      this.onDeath(`the worker could not load the graph: ${m.error.message}`);
      return;
    }
    const job = this.jobs.get(m.id);
    if (!job) return;
    this.jobs.delete(m.id);
    if (m.type === 'result') job.resolve({ outputs: new Map(m.outputs), profile: m.profile });
    else job.reject(reviveError(m.error));
  }

  private onDeath(why: string): void {
    this.slot?.endpoint.terminate();
    this.slot = undefined;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const j of jobs) {
      if (!j.transferred && j.attempts < 2) this.send(j);
      else
        j.reject(
          new WorkerError(
            `the CPU worker died during this run (${why})${j.transferred ? '; its inputs were transferred, so it was not retried' : ', also on the retry'}`,
            j.attempts >= 2,
          ),
        );
    }
  }
}
