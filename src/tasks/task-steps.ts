// The page's side of the task worker: the tasks' CPU post-processing (cpu-steps.ts) off the calling thread. Each task
// starts its worker on the first step it sends (never for a WebGPU model). A worker that dies (crash, failed script)
// rejects the steps it held with a WorkerError 'TASK_WORKER_LOST' — the task then computes that frame on its own
// thread, from its image — and is replaced on the next step; after a second death the task stays on its thread.
import { WorkerError } from '../errors.js';
import type { Pixels } from '../vision/resample.js';
import { reviveError, type SerializedError } from '../cpu/error-codec.js';
import { STEPS, type StepName, type Steps } from './cpu-steps.js';

export type StepArgs<K extends StepName> = Parameters<Steps[K]>[0];
export type StepResult<K extends StepName> = ReturnType<Steps[K]>;

export const TASK_WORKER_LOST = 'TASK_WORKER_LOST';

export interface TaskSteps {
  /** Runs a step; the buffers in `transfer` move to the worker (the caller must not need them), the rest is copied. */
  run<K extends StepName>(step: K, args: StepArgs<K>, transfer?: ArrayBuffer[]): Promise<StepResult<K>>;
  /** Whether steps run in a worker (false: on this thread, a worker never started or died twice). */
  readonly inWorker: boolean;
  /** Steps answered by the worker. */
  readonly offloaded: number;
  dispose(): void;
}

/** The option: true (default) the module worker, false this thread, or a function that makes the Worker (tests). */
export type TaskWorkerOption = boolean | (() => Worker);

const inline: TaskSteps = {
  run: async (step, args) => (STEPS[step] as (a: typeof args) => StepResult<typeof step>)(args),
  inWorker: false,
  offloaded: 0,
  dispose() {},
};

/** The steps for a task: in a worker where the engine has one and it is wanted, else on this thread. */
export function taskSteps(option: TaskWorkerOption | undefined): TaskSteps {
  if (option === false) return inline;
  if (typeof option !== 'function' && (typeof Worker === 'undefined' || typeof window === 'undefined')) return inline;
  // Written out in full so bundlers emit the worker as its own file.
  const make = typeof option === 'function' ? option : () => new Worker(new URL('./task-worker.js', import.meta.url), { type: 'module', name: 'sepconv-tasks' });
  return new WorkerSteps(make);
}

interface Pending {
  resolve(r: unknown): void;
  reject(e: unknown): void;
}

class WorkerSteps implements TaskSteps {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private deaths = 0;
  private disposed = false;
  offloaded = 0;

  constructor(private readonly make: () => Worker) {}

  get inWorker(): boolean {
    return this.deaths < 2 && !this.disposed;
  }

  run<K extends StepName>(step: K, args: StepArgs<K>, transfer: ArrayBuffer[] = []): Promise<StepResult<K>> {
    if (!this.inWorker) return inline.run(step, args);
    let w: Worker;
    try {
      w = this.worker ?? this.start();
    } catch {
      // a CSP or an engine without module workers: this thread from now on
      this.deaths = 2;
      return inline.run(step, args);
    }
    const id = this.nextId++;
    return new Promise<StepResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      w.postMessage({ id, step, args }, transfer);
    });
  }

  private start(): Worker {
    const w = this.make();
    this.worker = w;
    w.onmessage = (e: MessageEvent<{ id: number; result?: unknown; error?: SerializedError }>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.error) p.reject(reviveError(e.data.error));
      else {
        this.offloaded++;
        p.resolve(e.data.result);
      }
    };
    const die = (why: string) => {
      if (this.worker !== w) return;
      this.deaths++;
      this.worker = undefined;
      w.terminate();
      const lost = [...this.pending.values()];
      this.pending.clear();
      for (const p of lost) p.reject(new WorkerError(`the task worker died (${why})`, false, TASK_WORKER_LOST));
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      die(e.message || 'its script failed to load or crashed');
    };
    w.onmessageerror = () => die('a message from it could not be deserialised');
    return w;
  }

  dispose(): void {
    this.disposed = true;
    this.worker?.terminate();
    this.worker = undefined;
    const lost = [...this.pending.values()];
    this.pending.clear();
    for (const p of lost) p.reject(new WorkerError('the task was disposed before this step finished', false, 'DISPOSED'));
  }
}

/** `remote()`, or `local()` (the same frame on this thread) where the task worker died under it. */
export async function orOnThisThread<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
  try {
    return await remote();
  } catch (e) {
    if (e instanceof WorkerError && e.code === TASK_WORKER_LOST) return local();
    throw e;
  }
}

/**
 * The frame's pixels as `PixelReader.read` gave them, in a buffer of their own that may move to the worker: a
 * canvas read already is one; the caller's own pixels (`px === image`) or a view into a larger buffer are copied.
 */
export function movablePixels(px: Pixels, image: unknown): Pixels {
  const own = px !== image && px.data.buffer instanceof ArrayBuffer && px.data.byteOffset === 0 && px.data.byteLength === px.data.buffer.byteLength;
  return own ? px : { width: px.width, height: px.height, data: px.data.slice() };
}
