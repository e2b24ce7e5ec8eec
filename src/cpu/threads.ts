/**
 * A team of threads over one shared wasm memory: the CPU worker (the leader) splits a kernel into per-thread
 * lists of wasm calls, writes lists 1.. to a shared board, wakes the helpers (helperMain below), runs list 0
 * itself and waits (Atomics) until every helper is done. Helpers call the same exports of the same module on the
 * same memory, so a call is just its function index and its arguments.
 *
 * A tiled call (runTiles) is shared out instead: its tiles are cut in chunks that every thread claims from one
 * counter, the leader included, so a helper the machine does not schedule in time (2 cores shared with the page and
 * other programs) costs the leader only the chunks that helper claimed, never the helper's whole share; and a helper
 * still busy with (or not yet woken from) an earlier job is left out of the next one. Which thread computes a tile
 * never changes its result (each tile's values are computed the same way whatever the split).
 *
 * Board (Int32Array over a SharedArrayBuffer): [0] a helper failed, [1] the claim word of the current tiled call
 * (tag << 24 | chunks << 12 | next chunk), [2] chunks finished, then the tiled call (scratch argument (-1: none),
 * scratch base and per-thread stride, tiles, function index, ARGS argument words), then one slot per helper: [job
 * sequence number (-1: exit), sequence number of the last job done, call count (-1: the tiled call with the tag in
 * the next word), calls: function index + ARGS argument words (f32 as raw bits)].
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
/** Board words of the tiled call: claim word, chunks done, then its description (5 words and the arguments). */
const CLAIM = 1;
const FINISHED = 2;
const TILED = 3;
const HEAD = TILED + 5 + ARGS;
/** Chunks per thread a tiled call is cut into (at most, and at most one tile each; the claim word holds 4095). */
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
export const BOARD = { head: HEAD, slotWords: SLOT_WORDS, callWords: CALL_WORDS, spins: SPINS, claim: CLAIM, finished: FINISHED, tiled: TILED } as const;

/** A tiled call prepared for runTiles: its export, arguments (thread 0's scratch; no tile range) and scratch. */
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
  const { head, slotWords, callWords, claim, finished, tiled } = start.layout;
  const board = new Int32Array(start.board);
  const f = new Float32Array(start.board);
  const base = head + start.index * slotWords;
  ready();
  let seq = 0;
  const spins = start.layout.spins;
  // chunks of the tiled call tagged `tag`, claimed until none is left (or the leader has moved on to another call);
  // the call is read after the first claim, when it cannot change until that chunk is finished
  const shareTiles = (tag: number) => {
    let args: number[] | undefined;
    let fn: (...a: number[]) => void = () => undefined;
    for (;;) {
      const v = Atomics.load(board, claim);
      const chunks = (v >>> 12) & 0xfff, c = v & 0xfff;
      if (v >>> 24 !== tag || c >= chunks) return;
      if (Atomics.compareExchange(board, claim, v, v + 1) !== v) continue;
      try {
        if (!args) {
          const fi = board[tiled + 4]!;
          const k = kinds[fi]!;
          args = new Array<number>(k.length);
          for (let a = 0; a < k.length - 2; a++) args[a] = k[a] ? f[tiled + 5 + a]! : board[tiled + 5 + a]!;
          if (board[tiled]! >= 0) args[board[tiled]!] = board[tiled + 1]! + (start.index + 1) * board[tiled + 2]!;
          fn = ex[names[fi]!]!;
        }
        const tiles = board[tiled + 3]!;
        args[args.length - 2] = Math.floor((tiles * c) / chunks);
        args[args.length - 1] = Math.floor((tiles * (c + 1)) / chunks);
        fn(...args);
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
    try {
      const n = board[base + 2]!;
      if (n < 0) shareTiles(board[base + 3]!);
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
   * Runs each list on its own thread (lists[0] on this one), in order within a list; returns when all are done. The
   * list of a helper still busy with an earlier job runs on this thread.
   */
  run(lists: KernelCall[][]): void {
    const used = lists.length - 1;
    if (used > this.helpers) throw new RangeError(`a team of ${this.threads} threads was given ${lists.length} lists`);
    if (used <= 0 || this.brokenWhy || lists.some((l) => l.length > MAX_CALLS)) {
      for (const l of lists) for (const c of l) this.ex[c.fn]!(...c.args);
      return;
    }
    const b = this.board;
    const given: number[] = [];
    const left: KernelCall[][] = [lists[0]!];
    for (let h = 0; h < used; h++) {
      const list = lists[h + 1]!;
      if (!this.idle(h)) {
        left.push(list);
        continue;
      }
      const base = jobWord(h);
      b[base + 2] = list.length;
      let at = base + 3;
      for (const c of list) {
        this.write(at, c.fn, c.args);
        at += CALL_WORDS;
      }
      this.give(h);
      given.push(h);
    }
    for (const l of left) for (const c of l) this.ex[c.fn]!(...c.args);
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    for (const h of given) {
      const done = jobWord(h) + 1;
      this.await(() => Atomics.load(b, done) === this.jobs[h], done, deadline);
    }
    this.check();
  }

  /**
   * Runs a tiled call over [0, tiles) on this thread and every idle helper, in chunks each thread claims in turn
   * (module comment); returns when every chunk is done, with how many the helpers computed.
   */
  runTiles(c: TiledCall): number {
    const f = this.ex[c.fn]!;
    let idle = 0;
    for (let h = 0; h < this.helpers; h++) if (this.idle(h)) idle++;
    if (this.brokenWhy || !idle || c.tiles < 2) {
      f(...c.args, 0, c.tiles);
      return 0;
    }
    const b = this.board;
    const chunks = Math.min(c.tiles, MAX_CHUNKS, CHUNKS_PER_THREAD * (idle + 1));
    b[TILED] = c.scratch?.arg ?? -1;
    b[TILED + 1] = c.scratch ? c.args[c.scratch.arg]! : 0;
    b[TILED + 2] = c.scratch?.stride ?? 0;
    b[TILED + 3] = c.tiles;
    this.write(TILED + 4, c.fn, c.args);
    Atomics.store(b, FINISHED, 0);
    this.tag = (this.tag % 0xff) + 1;
    Atomics.store(b, CLAIM, (this.tag << 24) | (chunks << 12));
    for (let h = 0; h < this.helpers; h++) {
      // a helper that became idle since it was counted joins too (chunks are claimed, never assigned)
      if (!this.idle(h)) continue;
      b[jobWord(h) + 2] = -1;
      b[jobWord(h) + 3] = this.tag;
      this.give(h);
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
      this.await(() => Atomics.load(b, FINISHED) === theirs, FINISHED, Date.now() + HELPER_TIMEOUT_MS);
    }
    this.check();
    return theirs;
  }

  /** Whether helper h has finished every job it was given (its slot may be written). */
  private idle(h: number): boolean {
    return Atomics.load(this.board, jobWord(h) + 1) === this.jobs[h];
  }

  /** Hands helper h the job in its slot. */
  private give(h: number): void {
    // sequence numbers stay positive (-1 is exit)
    this.jobs[h] = (this.jobs[h]! % 0x3fffffff) + 1;
    Atomics.store(this.board, jobWord(h), this.jobs[h]!);
    Atomics.notify(this.board, jobWord(h));
  }

  /** Writes a call (function index, then its arguments, f32 ones as raw bits) at board word `at`. */
  private write(at: number, fn: string, args: readonly number[]): void {
    const fi = this.index.get(fn)!;
    this.board[at] = fi;
    const kinds = this.table.f32[fi]!;
    for (let a = 0; a < args.length; a++) {
      if (kinds[a]) this.f[at + 1 + a] = args[a]!;
      else this.board[at + 1 + a] = args[a]!;
    }
  }

  /** Polls `ready` a while, then sleeps on board word `word` until it holds; a helper silent until `deadline` breaks the team. */
  private await(ready: () => boolean, word: number, deadline: number): void {
    const b = this.board;
    for (let i = 0; i < SPINS && !ready(); i++);
    while (!ready()) {
      const d = Atomics.load(b, word);
      if (ready()) break;
      const left = deadline - Date.now();
      if (left <= 0 || (Atomics.wait(b, word, d, left) === 'timed-out' && Atomics.load(b, word) === d)) {
        this.fail(`a CPU helper thread did not answer within ${HELPER_TIMEOUT_MS / 1000} s`);
        throw new WorkerError(`${this.brokenWhy}; continuing on one thread`);
      }
    }
  }

  private check(): void {
    if (Atomics.load(this.board, 0)) {
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
