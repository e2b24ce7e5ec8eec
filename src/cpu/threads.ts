/**
 * A team of threads over one shared wasm memory: the CPU worker (the leader) shares a tiled kernel call out over
 * itself and helper threads (helperMain below) that call the same exports of the same module on the same memory. The
 * call's tiles are cut in chunks that every thread claims from one counter, the leader included, so a helper the
 * machine does not schedule in time (2 cores shared with the page and other programs) costs the leader only the
 * chunks that helper claimed, never a whole share; a helper still busy with (or not yet woken from) an earlier call
 * is left out of the next. Which thread computes a tile never changes its result (each tile's values are computed
 * the same way whatever the split).
 *
 * Board (Int32Array over a SharedArrayBuffer): [0] a helper failed, [1] the claim word of the current call
 * (tag << 24 | chunks << 12 | next chunk), [2] chunks the helpers finished, then the call (scratch argument (-1:
 * none), scratch base and per-thread stride, tiles, function index, ARGS argument words, f32 as raw bits), then one
 * slot per helper: [job sequence number (-1: exit), sequence number of the last job done, the call's tag].
 *
 * Atomics.wait may return 'ok' with the word unchanged: Firefox ESR 153 does (seen in test/cpu-worker-browsers).
 * So a helper starts a job only when the job number has really moved on, and it claims chunks only of the call
 * tagged as its job says: a wake-up that changed nothing runs nothing.
 */
import { WorkerError } from '../errors.js';

const ARGS = 18;
/** Board words: claim word, chunks finished, then the call (5 words and its arguments), then the helpers' slots. */
const CLAIM = 1;
const FINISHED = 2;
const TILED = 3;
const HEAD = TILED + 5 + ARGS;
const SLOT_WORDS = 3;
/** Chunks per thread a call is cut into (at most, and at most one tile each; the claim word holds 4095). */
const CHUNKS_PER_THREAD = 4;
const MAX_CHUNKS = 0xfff;
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
export const BOARD = { head: HEAD, slotWords: SLOT_WORDS, spins: SPINS, claim: CLAIM, finished: FINISHED, tiled: TILED } as const;

/** A tiled call for runTiles: its export, arguments (thread 0's scratch; no tile range) and scratch. */
export interface TiledCall {
  fn: string;
  args: number[];
  tiles: number;
  /** The argument that is a per-thread scratch region: thread t's is at base + t·stride. */
  scratch?: { arg: number; stride: number };
}

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
  const { head, slotWords, claim, finished, tiled } = start.layout;
  const board = new Int32Array(start.board);
  const f = new Float32Array(start.board);
  const base = head + start.index * slotWords;
  ready();
  let seq = 0;
  const spins = start.layout.spins;
  // chunks of the call tagged `tag`, claimed until none is left (or the leader has moved on to another call); the
  // call is read after a claim, when it cannot change until that chunk is finished
  const shareTiles = (tag: number) => {
    for (;;) {
      const v = Atomics.load(board, claim);
      const chunks = (v >>> 12) & 0xfff, c = v & 0xfff;
      if (v >>> 24 !== tag || c >= chunks) return;
      if (Atomics.compareExchange(board, claim, v, v + 1) !== v) continue;
      try {
        const fi = board[tiled + 4]!, tiles = board[tiled + 3]!;
        const args = kinds[fi]!.map((x, a) => (a === board[tiled] ? board[tiled + 1]! + (start.index + 1) * board[tiled + 2]! : x ? f[tiled + 5 + a]! : board[tiled + 5 + a]!));
        args.splice(-2, 2, Math.floor((tiles * c) / chunks), Math.floor((tiles * (c + 1)) / chunks));
        ex[names[fi]!]!(...args);
      } catch {
        Atomics.store(board, 0, 1);
      }
      Atomics.add(board, finished, 1);
      Atomics.notify(board, finished);
    }
  };
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
    shareTiles(board[base + 2]!);
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
  /** Tag of the last tiled call (1–255). */
  private tag = 0;

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

  /**
   * Runs a tiled call over [0, tiles) on this thread and every idle helper, in chunks each thread claims in turn
   * (module comment); returns when every chunk is done, with how many the helpers computed. Where a helper failed,
   * runs it here alone (and from then on).
   */
  runTiles(c: TiledCall): number {
    const f = this.ex[c.fn]!;
    if (this.brokenWhy || c.tiles < 2) {
      f(...c.args, 0, c.tiles);
      return 0;
    }
    const b = this.board;
    const chunks = Math.min(c.tiles, MAX_CHUNKS, CHUNKS_PER_THREAD * this.threads);
    b[TILED] = c.scratch?.arg ?? -1;
    b[TILED + 1] = c.scratch ? c.args[c.scratch.arg]! : 0;
    b[TILED + 2] = c.scratch?.stride ?? 0;
    b[TILED + 3] = c.tiles;
    const fi = this.index.get(c.fn)!;
    b[TILED + 4] = fi;
    c.args.forEach((v, a) => (this.table.f32[fi]![a] ? (this.f[TILED + 5 + a] = v) : (b[TILED + 5 + a] = v)));
    Atomics.store(b, FINISHED, 0);
    this.tag = (this.tag % 0xff) + 1;
    Atomics.store(b, CLAIM, (this.tag << 24) | (chunks << 12));
    for (let h = 0; h < this.helpers; h++) {
      // a helper still busy with an earlier call is left out (its slot may not be rewritten)
      if (Atomics.load(b, jobWord(h) + 1) !== this.jobs[h]) continue;
      b[jobWord(h) + 2] = this.tag;
      // sequence numbers stay positive (-1 is exit)
      this.jobs[h] = (this.jobs[h]! % 0x3fffffff) + 1;
      Atomics.store(b, jobWord(h), this.jobs[h]!);
      Atomics.notify(b, jobWord(h));
    }
    let mine = 0;
    let theirs = 0;
    try {
      for (;;) {
        const v = Atomics.load(b, CLAIM);
        const k = v & 0xfff;
        if (k >= chunks) break;
        if (Atomics.compareExchange(b, CLAIM, v, v + 1) !== v) continue;
        mine++;
        f(...c.args, Math.floor((c.tiles * k) / chunks), Math.floor((c.tiles * (k + 1)) / chunks));
      }
    } finally {
      // no chunk is claimed from here on; the helpers' claimed ones are waited for (the board is rewritten next)
      theirs = (Atomics.exchange(b, CLAIM, 0) & 0xfff) - mine;
      const deadline = Date.now() + HELPER_TIMEOUT_MS;
      for (let i = 0; i < SPINS && Atomics.load(b, FINISHED) !== theirs; i++);
      for (let d = Atomics.load(b, FINISHED); d !== theirs; d = Atomics.load(b, FINISHED)) {
        const left = deadline - Date.now();
        if (left <= 0 || (Atomics.wait(b, FINISHED, d, left) === 'timed-out' && Atomics.load(b, FINISHED) === d)) {
          this.fail(`a CPU helper thread did not answer within ${HELPER_TIMEOUT_MS / 1000} s`);
          throw new WorkerError(`${this.brokenWhy}; continuing on one thread`);
        }
      }
    }
    if (Atomics.load(b, 0)) {
      this.fail('a kernel failed on a CPU helper thread');
      throw new WorkerError(`${this.brokenWhy}; continuing on one thread`);
    }
    return theirs;
  }

  /** Tells every helper to leave its loop. */
  close(): void {
    for (let h = 0; h < this.helpers; h++) {
      Atomics.store(this.board, jobWord(h), -1);
      Atomics.notify(this.board, jobWord(h));
    }
  }
}
