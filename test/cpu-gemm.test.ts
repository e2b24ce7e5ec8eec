import { describe, expect, it } from 'vitest';
import { sgemm, type SgemmOptions } from '../src/cpu/gemm.js';
import { applyActivation, type FusedActivation } from '../src/ops/activation.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectClose(actual: Float32Array, expected: Float32Array, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const v = actual[i]!;
    if (Number.isNaN(e) && Number.isNaN(v)) continue;
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) expect.fail(`element ${i}: got ${v}, expected ${e}`);
  }
}

/** Triple loop over the same strided layout sgemm reads. */
function naive(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C0: Float32Array, o: SgemmOptions): Float32Array {
  const lda = o.lda ?? (o.transA ? M : K);
  const ldb = o.ldb ?? (o.transB ? K : N);
  const ldc = o.ldc ?? N;
  const C = C0.slice();
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[o.transA ? k * lda + i : i * lda + k]! * B[o.transB ? j * ldb + k : k * ldb + j]!;
      let v = (o.accumulate ? C[i * ldc + j]! : 0) + (o.alpha ?? 1) * s + (o.bias ? o.bias[(o.biasOffset ?? 0) + i]! : 0);
      if (o.act) v = applyActivation(v, o.act);
      C[i * ldc + j] = v;
    }
  return C;
}

const r = rng(7);
const rand = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);

describe('sgemm matches a triple loop', () => {
  // sizes straddle the 4x8 micro-tile, KC=256, MC=128 and NC=1024 block edges
  const sizes: [number, number, number][] = [
    [1, 1, 1], [1, 1000, 37], [3, 9, 5], [4, 8, 1], [5, 9, 3], [7, 13, 257], [17, 31, 300],
    [129, 10, 7], [64, 64, 64], [6, 1030, 5], [33, 8, 513], [2, 3, 0],
  ];
  it.each(sizes)('M=%i N=%i K=%i', (M, N, K) => {
    const A = rand(M * K);
    const B = rand(K * N);
    const C = new Float32Array(M * N);
    sgemm(M, N, K, A, 0, B, 0, C, 0);
    expectClose(C, naive(M, N, K, A, B, new Float32Array(M * N), {}));
  });

  const acts: FusedActivation[] = [
    { kind: 'relu' }, { kind: 'clip', min: 0, max: 0.5 }, { kind: 'sigmoid' },
    { kind: 'hardsigmoid', alpha: 0.3, beta: 0.4 }, { kind: 'hardswish' },
  ];
  const variants: [string, number, number, number, SgemmOptions][] = [];
  for (const [M, N, K] of [[2, 11, 300], [13, 21, 270]] as const)
    for (const transA of [false, true])
      for (const transB of [false, true])
        variants.push([`transA=${transA} transB=${transB} alpha=0.5 accumulate bias+act`, M, N, K, {
          transA, transB, alpha: 0.5, accumulate: true, bias: rand(M + 3), biasOffset: 3, act: acts[variants.length % acts.length],
        }]);
  variants.push(['padded leading dims', 9, 10, 11, { lda: 14, ldb: 12, ldc: 13 }]);
  variants.push(['transposed with padded leading dims', 9, 10, 11, { transA: true, transB: true, lda: 12, ldb: 15, ldc: 10 }]);

  it.each(variants)('%s M=%i N=%i K=%i', (_n, M, N, K, o) => {
    const lda = o.lda ?? (o.transA ? M : K);
    const ldb = o.ldb ?? (o.transB ? K : N);
    const ldc = o.ldc ?? N;
    const A = rand((o.transA ? K : M) * lda);
    const B = rand((o.transB ? N : K) * ldb);
    const C0 = rand(M * ldc + 5);
    const want = naive(M, N, K, A, B, C0, o);
    // offsets: operands live inside larger buffers
    const Ab = new Float32Array(A.length + 3); Ab.set(A, 3);
    const Bb = new Float32Array(B.length + 2); Bb.set(B, 2);
    const Cb = new Float32Array(C0.length + 1); Cb.set(C0, 1);
    sgemm(M, N, K, Ab, 3, Bb, 2, Cb, 1, o);
    expectClose(Cb.subarray(1), want);
  });

  it('propagates NaN and Inf from A and B (no zero-skipping)', () => {
    for (const M of [1, 5]) {
      const A = new Float32Array(M * 2); // zeros
      const B = Float32Array.from([NaN, 1, Infinity, 2]);
      const C = new Float32Array(M * 2);
      sgemm(M, 2, 2, A, 0, B, 0, C, 0);
      for (let i = 0; i < M; i++) {
        expect(C[i * 2]).toBeNaN();
        expect(C[i * 2 + 1]).toBe(0);
      }
    }
  });
});
