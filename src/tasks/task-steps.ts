// The page's side of the task worker: the tasks' pixel work and CPU post-processing (cpu-steps.ts) off the calling
// thread. Each task starts its worker on the first step it sends (never for a WebGPU model). A frame goes to the
// worker once, as an ImageBitmap (transferred) or the caller's pixels (copied), and stays there for the frame's
// steps (the detector's letterbox, the crops) until released. A worker that dies (crash, failed script) rejects
// the steps it held with a WorkerError 'TASK_WORKER_LOST' — the task then computes that frame on its own thread,
// from its image — and is replaced on the next step; after a second death the task stays on its thread.
import { WorkerError } from '../errors.js';
import type { Pixels } from '../vision/resample.js';
import { isPixels, type ImageSource, type PixelReader } from '../vision/source.js';
import { reviveError, type SerializedError } from '../cpu/error-codec.js';
import type { StepName, Steps } from './cpu-steps.js';

export type StepArgs<K extends StepName> = Parameters<Steps[K]>[0];
export type StepResult<K extends StepName> = ReturnType<Steps[K]>;
/** The steps that read the frame's pixels, and their arguments besides them. */
type FrameStep = 'letterbox' | 'crops';
type FrameArgs<K extends FrameStep> = Omit<StepArgs<K>, 'px'>;

export type ToTaskWorker =
  | { id: number; step: StepName; args: unknown; frame?: { id: number; source?: Pixels | ImageBitmap } }
  | { release: number };

export const TASK_WORKER_LOST = 'TASK_WORKER_LOST';

/** One image a task's steps read; `reader` reads it on this thread when they run here. */
export class Frame {
  private static next = 1;
  readonly id = Frame.next++;
  /** The worker (by generation) that holds it, if any. */
  heldBy = -1;
  private px?: Pixels;
  constructor(
    readonly image: ImageSource,
    private readonly reader: PixelReader,
  ) {}

  pixels(): Pixels {
    return (this.px ??= this.reader.read(this.image));
  }
}

export interface TaskSteps {
  /** Runs a step; the buffers in `transfer` move to the worker (the caller must not need them), the rest is copied. */
  run<K extends StepName>(step: K, args: StepArgs<K>, transfer?: ArrayBuffer[]): Promise<StepResult<K>>;
  /** Runs a step on `frame`'s pixels (sent to the worker with the first such step). */
  onFrame<K extends FrameStep>(step: K, frame: Frame, args: FrameArgs<K>): Promise<StepResult<K>>;
  /** The worker may drop the frame. */
  release(frame: Frame): void;
  /** Whether steps run in a worker (false: on this thread, a worker never started or died twice). */
  readonly inWorker: boolean;
  dispose(): void;
}

/** The option: true (default) the module worker, false this thread, or a function that makes the Worker (tests). */
export type TaskWorkerOption = boolean | (() => Worker);

// the steps load on this thread only where they run here (Node, `taskWorker: false`, a dead worker): a page that runs
// them in the task worker does not carry them in its own bundle
const here = async <K extends StepName>(step: K, args: StepArgs<K>) => ((await import('./cpu-steps.js')).STEPS[step] as (a: StepArgs<K>) => StepResult<K>)(args);

const inline: TaskSteps = {
  run: (step, args) => here(step, args),
  onFrame: (step, frame, args) => here(step, { ...args, px: frame.pixels() } as StepArgs<typeof step>),
  release() {},
  inWorker: false,
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
  /** Counts the workers started: a frame held by an earlier one is sent again. */
  private generation = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private deaths = 0;
  private disposed = false;

  constructor(private readonly make: () => Worker) {}

  get inWorker(): boolean {
    return this.deaths < 2 && !this.disposed;
  }

  run<K extends StepName>(step: K, args: StepArgs<K>, transfer: ArrayBuffer[] = []): Promise<StepResult<K>> {
    return this.post(step, args, transfer);
  }

  async onFrame<K extends FrameStep>(step: K, frame: Frame, args: FrameArgs<K>): Promise<StepResult<K>> {
    if (!this.inWorker) return inline.onFrame(step, frame, args);
    if (frame.heldBy === this.generation && this.worker) return this.post(step, args, [], { id: frame.id });
    const source = await movable(frame.image);
    const w = this.worker ? this.generation : this.generation + 1;
    frame.heldBy = w;
    return this.post(step, args, [source instanceof ImageBitmap ? source : (source.data.buffer as ArrayBuffer)], { id: frame.id, source });
  }

  release(frame: Frame): void {
    if (frame.heldBy === this.generation) this.worker?.postMessage({ release: frame.id } satisfies ToTaskWorker);
  }

  private post<K extends StepName>(step: K, args: unknown, transfer: Transferable[], frame?: { id: number; source?: Pixels | ImageBitmap }): Promise<StepResult<K>> {
    if (!this.inWorker) return inline.run(step, args as StepArgs<K>);
    let w: Worker;
    try {
      w = this.worker ?? this.start();
    } catch {
      // a CSP or an engine without module workers: this thread from now on
      this.deaths = 2;
      return Promise.reject(new WorkerError('the task worker could not start', false, TASK_WORKER_LOST));
    }
    const id = this.nextId++;
    return new Promise<StepResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      w.postMessage({ id, step, args, frame } satisfies ToTaskWorker, transfer);
    });
  }

  private start(): Worker {
    const w = this.make();
    this.worker = w;
    this.generation++;
    w.onmessage = (e: MessageEvent<{ id: number; result?: unknown; error?: SerializedError }>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.error) p.reject(reviveError(e.data.error));
      else p.resolve(e.data.result);
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

/**
 * The image in a form that moves to the worker without a copy on this thread: an ImageBitmap the browser makes off
 * it (the worker reads its pixels), or the caller's own pixels copied (they must not be detached).
 */
async function movable(image: ImageSource): Promise<Pixels | ImageBitmap> {
  if (isPixels(image)) return { width: image.width, height: image.height, data: image.data.slice() };
  return createImageBitmap(image as ImageBitmapSource);
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
