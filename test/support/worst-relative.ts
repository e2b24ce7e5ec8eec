/** Worst |a - e| relative to max(1, max|e|) (NaN counts as infinitely wrong); the TF.js model tolerance is 1e-4. */
export function worstRelative(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]!));
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i]! - e[i]!);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  }
  return worst / scale;
}
