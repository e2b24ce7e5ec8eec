/**
 * Output arrays made ahead of the run that fills them. A fresh array costs more than the copy into it: each of its
 * memory pages faults on its first write (a 3.2 MB output: about 0.7 ms of faults against 0.08 ms of copying), so
 * the arrays are made, and one float of each page written, in idle time (the CPU worker's between two runs, or the
 * page's while the worker computes), a chunk per task. Each array is handed out once.
 */

/** Floats per memory page. */
const PAGE_FLOATS = 1024;
/** Floats touched per idle task (about 50 µs): a run arriving meanwhile waits for one chunk at most. */
export const CHUNK_FLOATS = 1 << 16;

export class ArraysAhead {
  private readonly made = new Map<string, { data: Float32Array; touched: number }>();

  /** Makes the arrays of `lengths` (by name), touching at most `floats` more floats; true when all are ready. */
  prepare(lengths: Iterable<readonly [string, number]>, floats = Infinity): boolean {
    for (const [name, n] of lengths) {
      let m = this.made.get(name);
      if (!m || m.data.length !== n) this.made.set(name, (m = { data: new Float32Array(n), touched: 0 }));
      const end = Math.min(n, m.touched + floats);
      for (let i = m.touched; i < end; i += PAGE_FLOATS) m.data[i] = 0;
      floats -= end - m.touched;
      m.touched = end;
      if (floats <= 0 && end < n) return false;
    }
    return true;
  }

  /** An array made elsewhere, ready, for `name`. */
  give(name: string, data: Float32Array): void {
    this.made.set(name, { data, touched: data.length });
  }

  /** The array made for `name`, handed out once (from here on it is the taker's alone). */
  take(name: string): Float32Array | undefined {
    const m = this.made.get(name);
    this.made.delete(name);
    return m?.data;
  }

  /** Every array made so far, handed out once; undefined when there is none. */
  takeAll(): Record<string, Float32Array> | undefined {
    if (!this.made.size) return undefined;
    const out = Object.fromEntries([...this.made].map(([k, m]) => [k, m.data]));
    this.made.clear();
    return out;
  }
}

/**
 * Runs `step` (a chunk of work; true when there is no more) now and then once per task until it is done, yielding
 * to the event loop between chunks. The returned function starts it (again); calls while it runs do nothing.
 */
export function idleWork(step: () => boolean): () => void {
  const channel = typeof MessageChannel === 'function' ? new MessageChannel() : undefined;
  let pending = false;
  const run = () => {
    if (pending || step() || !channel) return;
    pending = true;
    channel.port1.postMessage(0);
  };
  if (channel) {
    channel.port2.onmessage = () => {
      pending = false;
      run();
    };
    // Node: the channel alone must not keep a thread alive
    (channel.port2 as { unref?: () => void }).unref?.();
  }
  return run;
}
