// Element-wise closeness of two float arrays (numpy.allclose rule; NaN matches NaN), failing on the first miss.
import { expect } from 'vitest';

export function expectClose(actual: Float32Array, expected: Float32Array, what: string, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const v = actual[i]!;
    if ((Number.isNaN(e) && Number.isNaN(v)) || v === e) continue;
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what}: element ${i}: got ${v}, expected ${e}`);
  }
}

/** n values uniform in [-1, 1) from `r`. */
export const uniform = (r: () => number, n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);

/** max |got − want| / max(floor, max |want|): an error relative to the largest reference value (f16 tolerances). */
export function relErr(got: Float32Array, want: Float32Array, floor = 1): number {
  let scale = floor;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  return err / scale;
}
