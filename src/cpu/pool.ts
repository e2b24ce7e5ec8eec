/**
 * Recycled output buffers for the CPU path. A fresh multi-megabyte Float32Array costs more than the memcpy it
 * would hold (the OS maps and zeroes its pages on first touch), so inside runCpu the Conv kernels take their
 * outputs from a pool that runCpu refills with every intermediate whose last reader has run. Buffers that reach
 * the caller (graph outputs, and everything when an onNode hook could keep outputs) are never recycled.
 *
 * Pooled buffers are not zeroed: only kernels that overwrite every element may take them.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Every buffer this pool allocated, by its ArrayBuffer (weak: buffers that escaped to the caller are dropped). */
  private readonly owned = new WeakMap<ArrayBufferLike, Float32Array>();
  /** Live values per owned buffer during a run (a Reshape output and its input share one). */
  private readonly refs = new Map<ArrayBufferLike, number>();
  private freeBytes = 0;

  constructor(private readonly maxFreeBytes = 256 << 20) {}

  take(n: number): Float32Array {
    const b = this.free.get(n)?.pop();
    if (b) {
      this.freeBytes -= b.byteLength;
      return b;
    }
    const a = new Float32Array(n);
    this.owned.set(a.buffer, a);
    return a;
  }

  /** A value now holds `data` (counted only when it lies in a buffer of this pool). */
  retain(data: Float32Array): void {
    if (!this.owned.has(data.buffer)) return;
    this.refs.set(data.buffer, (this.refs.get(data.buffer) ?? 0) + 1);
  }

  /** A value holding `data` is dead; its buffer returns to the pool when no live value shares it. */
  release(data: Float32Array): void {
    const whole = this.owned.get(data.buffer);
    const r = this.refs.get(data.buffer);
    if (!whole || r === undefined) return;
    if (r > 1) {
      this.refs.set(data.buffer, r - 1);
      return;
    }
    this.refs.delete(data.buffer);
    if (this.freeBytes + whole.byteLength > this.maxFreeBytes) return;
    const list = this.free.get(whole.length) ?? [];
    list.push(whole);
    this.free.set(whole.length, list);
    this.freeBytes += whole.byteLength;
  }

  /** End of a run: buffers still counted live have escaped to the caller and are forgotten. */
  endRun(): void {
    for (const buf of this.refs.keys()) this.owned.delete(buf);
    this.refs.clear();
  }
}

let active: BufferPool | undefined;

/** Installs the pool kernels draw from (runCpu, for the duration of one run); returns the previous one. */
export function setActivePool(p: BufferPool | undefined): BufferPool | undefined {
  const was = active;
  active = p;
  return was;
}

/**
 * An output buffer of n floats for a kernel that overwrites all of it: recycled inside runCpu, a fresh zeroed
 * array elsewhere.
 */
export function outputBuffer(n: number): Float32Array {
  return active ? active.take(n) : new Float32Array(n);
}
