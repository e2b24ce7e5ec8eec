/**
 * Offsets for buffers with known lifetimes (XNNPACK's memory planner, TFLite's "greedy by size"): largest first,
 * each into the lowest gap that no buffer alive at the same time occupies. Lifetimes are [first, last] step
 * indices, inclusive; sizes are in bytes and rounded up to 16.
 */
export interface Lifetime {
  bytes: number;
  first: number;
  last: number;
}

export function planOffsets(items: readonly Lifetime[]): { offsets: number[]; total: number } {
  const size = items.map((b) => (b.bytes + 15) & ~15);
  const order = items.map((_, i) => i).sort((a, b) => size[b]! - size[a]! || items[a]!.first - items[b]!.first);
  const offsets = new Array<number>(items.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const it = items[i]!;
    const busy = placed
      .filter((j) => items[j]!.first <= it.last && it.first <= items[j]!.last)
      .map((j) => [offsets[j]!, offsets[j]! + size[j]!] as const)
      .sort((a, b) => a[0] - b[0]);
    let at = 0;
    let best = -1;
    let bestGap = Infinity;
    for (const [s, e] of busy) {
      const gap = s - at;
      if (gap >= size[i]! && gap < bestGap) {
        best = at;
        bestGap = gap;
      }
      at = Math.max(at, e);
    }
    offsets[i] = best >= 0 ? best : at;
    total = Math.max(total, offsets[i]! + size[i]!);
    placed.push(i);
  }
  return { offsets, total };
}
