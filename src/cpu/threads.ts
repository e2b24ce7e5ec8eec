/**
 * A team of threads over one shared wasm memory: the CPU worker (the leader) splits a kernel into per-thread
 * lists of wasm calls, writes lists 1.. to a shared board, wakes the helpers (helperMain below), runs list 0
 * itself and waits (Atomics) until every helper is done. Helpers call the same exports of the same module on the
 * same memory, so a call is just its function index and its arguments.
 *
 * Board (Int32Array over a SharedArrayBuffer): [0] a helper failed, then one slot per helper: [job sequence number
 * (-1: exit), sequence number of the last job done, call count, calls: function index + ARGS argument words (f32 as
 * raw bits)].
 *
 * Atomics.wait may return 'ok' with the word unchanged: Firefox ESR 153 does (seen in test/cpu-worker-browsers).
 * So a helper starts a job only when the job number has really moved on, and the leader waits for each helper's own
 * done number to reach the job it was given: a wake-up that changed nothing can neither re-run an old job (its list
 * may be being rewritten) nor count as a job finished (the leader would read a strip still being computed).
 */
import { WorkerError } from '../errors.js';

export interface KernelCall {
  /** Export name ('gemm', 'dw3s1', ...). */
  fn: string;
  args: number[];
}

export const MAX_CALLS = 256;
const ARGS = 18;
const CALL_WORDS = 1 + ARGS;
const SLOT_WORDS = 3 + MAX_CALLS * CALL_WORDS;
const HEAD = 4;
/** A helper that has not finished after this long is taken for dead (the leader would otherwise wait forever). */
const HELPER_TIMEOUT_MS = 30_000;
/** Polls of a board word before Atomics.wait (about 50–100 µs): the leader's next job, or a helper's last strip. */
const SPINS = 20_000;

/** Board index of helper `h`'s job sequence number (exported for tests, which wake helpers without a job). */
export function jobWord(h: number): number {
  return HEAD + h * SLOT_WORDS;
}

export function boardBytes(helpers: number): number {
  return (HEAD + helpers * SLOT_WORDS) * 4;
}

/** Export name <-> index and which arguments are f32, shared by leader and helpers (both build it from the module). */
export interface CallTable {
  names: string[];
  f32: boolean[][];
}

type Exports = Record<string, (...a: number[]) => void>;

/** The board's layout, passed to helpers in their start message (helperMain may read nothing from this module). */
export const BOARD = { head: HEAD, slotWords: SLOT_WORDS, callWords: CALL_WORDS, spins: SPINS } as const;

/** What a helper thread is sent: the leader's module, the imports that put it on the shared memory, the board. */
export interface HelperStart {
  module: WebAssembly.Module;
  imports: WebAssembly.Imports;
  board: SharedArrayBuffer;
  index: number;
  table: CallTable;
  layout: typeof BOARD;
  /** Where this helper's wasm stack starts (its own region of the shared memory). */
  stack?: number;
  /** Function imports of `env` never called (rewritten by the loader) that linking still needs. */
  stubs?: string[];
}

/**
 * A helper thread's whole life: instantiates the module on the shared memory, calls `ready`, then runs forever
 * (until told to exit), blocked in Atomics.wait between jobs. It must stay self-contained (no reference to
 * anything outside its parameters but globals): the Node team runs its source text in an eval'd worker_threads
 * Worker (thread-team-node.ts), which works from the TypeScript sources and from the built package alike.
 */
export function helperMain(start: HelperStart, ready: () => void): void {
  const env: Record<string, unknown> = { ...(start.imports.env as object) };
  for (const n of start.stubs ?? []) env[n] = () => { throw new Error(`unpatched ${n} call`); };
  const inst = new WebAssembly.Instance(start.module, { ...start.imports, env } as WebAssembly.Imports).exports as Record<string, unknown>;
  if (start.stack !== undefined) (inst.__stack_pointer as WebAssembly.Global).value = start.stack;
  const ex = inst as Record<string, (...a: number[]) => void>;
  const { names, f32: kinds } = start.table;
  const { head, slotWords, callWords } = start.layout;
  const board = new Int32Array(start.board);
  const f = new Float32Array(start.board);
  const base = head + start.index * slotWords;
  ready();
  let seq = 0;
  const spins = start.layout.spins;
  for (;;) {
    let next = Atomics.load(board, base);
    // the next job of a run comes within microseconds: poll a while before sleeping (a wake-up costs 10–50 µs)
    for (let i = 0; i < spins && next === seq; i++) next = Atomics.load(board, base);
    while (next === seq) {
      Atomics.wait(board, base, seq);
      next = Atomics.load(board, base);
    }
    seq = next;
    if (seq < 0) return;
    try {
      const n = board[base + 2]!;
      for (let c = 0, at = base + 3; c < n; c++, at += callWords) {
        const fi = board[at]!;
        const k = kinds[fi]!;
        const args = new Array<number>(k.length);
        for (let a = 0; a < k.length; a++) args[a] = k[a] ? f[at + 1 + a]! : board[at + 1 + a]!;
        ex[names[fi]!]!(...args);
      }
    } catch {
      Atomics.store(board, 0, 1);
    }
    Atomics.store(board, base + 1, seq);
    Atomics.notify(board, base + 1);
  }
}

export class ThreadTeam {
  private readonly board: Int32Array;
  private readonly f: Float32Array;
  private readonly index = new Map<string, number>();
  /** Why the team is no longer used (a helper failed, died or did not answer); undefined while it is. */
  private brokenWhy?: string;
  /** Number of the last job given to each helper. */
  private readonly jobs: number[];

  constructor(
    private readonly ex: Exports,
    private readonly table: CallTable,
    readonly sab: SharedArrayBuffer,
    readonly helpers: number,
  ) {
    this.board = new Int32Array(sab);
    this.f = new Float32Array(sab);
    table.names.forEach((n, i) => this.index.set(n, i));
    this.jobs = new Array<number>(helpers).fill(0);
  }

  /** Threads, this one included; 1 once a helper has failed (the team is not used again). */
  get threads(): number {
    return this.brokenWhy ? 1 : this.helpers + 1;
  }

  /** Why the team is down to one thread, if it is. */
  get broken(): string | undefined {
    return this.brokenWhy;
  }

  /** Stops using the helpers (one of them died, seen by whoever started it); later runs use this thread alone. */
  fail(why: string): void {
    this.brokenWhy ??= why;
  }

  /** Runs each list on its own thread (lists[0] on this one), in order within a list; returns when all are done. */
  run(lists: KernelCall[][]): void {
    const used = lists.length - 1;
    if (used > this.helpers) throw new RangeError(`a team of ${this.threads} threads was given ${lists.length} lists`);
    if (used <= 0 || this.brokenWhy || lists.some((l) => l.length > MAX_CALLS)) {
      for (const l of lists) for (const c of l) this.ex[c.fn]!(...c.args);
      return;
    }
    const b = this.board;
    for (let h = 0; h < used; h++) {
      const base = jobWord(h);
      const list = lists[h + 1]!;
      b[base + 2] = list.length;
      let at = base + 3;
      for (const c of list) {
        const fi = this.index.get(c.fn)!;
        b[at] = fi;
        const kinds = this.table.f32[fi]!;
        for (let a = 0; a < kinds.length; a++) {
          if (kinds[a]) this.f[at + 1 + a] = c.args[a]!;
          else b[at + 1 + a] = c.args[a]!;
        }
        at += CALL_WORDS;
      }
      // sequence numbers stay positive (-1 is exit)
      this.jobs[h] = (this.jobs[h]! % 0x3fffffff) + 1;
      Atomics.store(b, base, this.jobs[h]!);
      Atomics.notify(b, base);
    }
    for (const c of lists[0]!) this.ex[c.fn]!(...c.args);
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    for (let h = 0; h < used; h++) {
      const done = jobWord(h) + 1;
      for (let i = 0; i < SPINS && Atomics.load(b, done) !== this.jobs[h]; i++);
      for (let d = Atomics.load(b, done); d !== this.jobs[h]; d = Atomics.load(b, done)) {
        const left = deadline - Date.now();
        if (left <= 0 || (Atomics.wait(b, done, d, left) === 'timed-out' && Atomics.load(b, done) === d)) {
          this.fail(`a CPU helper thread did not answer within ${HELPER_TIMEOUT_MS / 1000} s`);
          throw new WorkerError(`${this.brokenWhy}; continuing on one thread`);
        }
      }
    }
    if (Atomics.load(b, 0)) {
      this.fail('a kernel failed on a CPU helper thread');
      throw new WorkerError(`${this.brokenWhy}; continuing on one thread`);
    }
  }

  /** Tells every helper to leave its loop. */
  close(): void {
    for (let h = 0; h < this.helpers; h++) {
      Atomics.store(this.board, jobWord(h), -1);
      Atomics.notify(this.board, jobWord(h));
    }
  }
}
