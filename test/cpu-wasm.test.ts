// The WebAssembly SIMD kernels (src/cpu/wasm-kernels.ts) against the reference Conv and a float64 triple-loop
// GEMM, and against the JavaScript kernels they replace (the option wasm: false), over the shapes where their
// edge handling lives: widths that are not multiples of 4 or 8, rows that are not multiples of MR, K blocks,
// stride 2 de-interleaving, asymmetric padding, fused activations, NaN propagation and batch > 1.
import { describe, expect, it } from 'vitest';
import { sgemm } from '../src/cpu/gemm.js';
import { DW_SHAPES, MR, wasm, wasmModuleBytes } from '../src/cpu/wasm-kernels.js';
import { applyActivation, type FusedActivation } from '../src/ops/activation.js';
import type { Tensor } from '../src/tensor.js';
import { convOp } from './support/conv-op.js';
import { rng } from './support/conv-sweep.js';
import { expectClose, uniform } from './support/expect-close.js';

const r = rng(11);
const rand = (n: number) => uniform(r, n);



describe('wasm module', () => {
  it('assembles into a valid SIMD module and instantiates in Node', () => {
    expect(WebAssembly.validate(wasmModuleBytes())).toBe(true);
    expect(wasm()).toBeDefined();
    expect(wasm()!.dw.size).toBe(DW_SHAPES.length);
  });

  it('the option wasm: false switches the kernels off for that call only', () => {
    expect(wasm({ wasm: false })).toBeUndefined();
    expect(wasm({ wasm: true })).toBeDefined();
    expect(wasm()).toBeDefined();
  });
});


describe('wasm depthwise matches the reference Conv and the JS kernel', () => {
  const acts: FusedActivation[] = [
    { kind: 'none' }, { kind: 'relu' }, { kind: 'clip', min: 0, max: 0.25 }, { kind: 'hardswish' }, { kind: 'sigmoid' },
  ];
  const cases: [string, number, number, number, number, number, number[], number][] = [];
  // name, N, C, H, W, k, pads, stride
  let i = 0;
  for (const [k, s] of DW_SHAPES)
    for (const [H, W] of [[1, 1], [3, 5], [7, 7], [9, 13], [14, 14], [16, 3]] as const)
      for (const pads of [[k >> 1, k >> 1, k >> 1, k >> 1], [0, 0, 0, 0], [1, 0, 0, 1], [0, 2, 1, 0]]) {
        if (H + pads[0]! + pads[2]! < k || W + pads[1]! + pads[3]! < k) continue;
        cases.push([`k${k} s${s} ${H}x${W} pads ${pads.join(',')}`, i % 3 === 0 ? 2 : 1, 1 + (i % 5), H, W, k, pads, s]);
        i++;
      }
  it.each(cases)('%s (N=%i C=%i)', (_name, N, C, H, W, k, pads, s) => {
    const x: Tensor = { shape: [N, C, H, W], data: rand(N * C * H * W) };
    const w: Tensor = { shape: [C, 1, k, k], data: rand(C * k * k) };
    const withBias = (H + W) % 2 === 0;
    const b: Tensor | null = withBias ? { shape: [C], data: rand(C) } : null;
    const act = acts[(H * 7 + W + k + s) % acts.length]!;
    const c = convOp(x, w, b, { group: C, pads, strides: [s, s] }, { act });
    const want = c.ref();
    expectClose(c.fast(), want, 'wasm');
    expectClose(c.fast({ wasm: false }), want, 'js');
  });

  it('propagates NaN and Inf through the taps', () => {
    const x: Tensor = { shape: [1, 2, 6, 6], data: rand(72) };
    x.data[7] = NaN;
    x.data[36 + 14] = Infinity;
    const w: Tensor = { shape: [2, 1, 3, 3], data: rand(18).map((v) => Math.abs(v) + 0.1) };
    for (const s of [1, 2]) {
      const c = convOp(x, w, null, { group: 2, pads: [1, 1, 1, 1], strides: [s, s] });
      expectClose(c.fast(), c.ref(), `stride ${s}`);
    }
  });

  it('channel multiplier 2, dilation 2 and 7x7 kernels fall back to the JS kernel and stay correct', () => {
    const x: Tensor = { shape: [1, 3, 11, 10], data: rand(330) };
    const m2 = convOp(x, { shape: [6, 1, 3, 3], data: rand(54) }, null, { group: 3, pads: [1, 1, 1, 1] });
    expectClose(m2.fast(), m2.ref(), 'multiplier 2');
    const d2 = convOp(x, { shape: [3, 1, 3, 3], data: rand(27) }, null, { group: 3, pads: [2, 2, 2, 2], dilations: [2, 2] });
    expectClose(d2.fast(), d2.ref(), 'dilation 2');
    const k7 = convOp(x, { shape: [3, 1, 7, 7], data: rand(147) }, null, { group: 3, pads: [3, 3, 3, 3] });
    expectClose(k7.fast(), k7.ref(), '7x7');
  });
});

/** Float64 triple loop with sgemm's options (no alpha: alpha != 1 stays on the JS path). */
function naive(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C0: Float32Array,
  o: { transA?: boolean; transB?: boolean; accumulate?: boolean; bias?: Float32Array; act?: FusedActivation }): Float32Array {
  const C = C0.slice();
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[o.transA ? k * M + i : i * K + k]! * B[o.transB ? j * K + k : k * N + j]!;
      let v = (o.accumulate ? C[i * N + j]! : 0) + s + (o.bias ? o.bias[i]! : 0);
      if (o.act) v = applyActivation(v, o.act);
      C[i * N + j] = v;
    }
  return C;
}

describe('wasm sgemm matches a float64 triple loop and the JS kernel', () => {
  // straddles MR rows, the 8-column tile, the 120-row, 256-K and 512-column blocks of the wasm path
  const sizes: [number, number, number][] = [
    [MR, 8, 1], [MR + 1, 9, 3], [7, 13, 257], [121, 10, 7], [64, 520, 64], [130, 1030, 300], [1, 1000, 64], [2, 37, 513],
  ];
  const acts: (FusedActivation | undefined)[] = [undefined, { kind: 'relu' }, { kind: 'clip', min: -0.5, max: 0.5 }, { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }];
  let n = 0;
  const cases: [string, number, number, number, boolean, boolean, boolean, boolean, FusedActivation | undefined][] = [];
  for (const [M, N, K] of sizes)
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const accumulate = n % 3 === 1;
        const bias = n % 2 === 0;
        cases.push([`transA=${transA} transB=${transB} acc=${accumulate} bias=${bias}`, M, N, K, transA, transB, accumulate, bias, acts[n % acts.length]]);
        n++;
      }
  it.each(cases)('%s M=%i N=%i K=%i', (_n, M, N, K, transA, transB, accumulate, withBias, act) => {
    const A = rand(M * K);
    const B = rand(K * N);
    const C0 = rand(M * N);
    const bias = withBias ? rand(M) : undefined;
    const want = naive(M, N, K, A, B, C0, { transA, transB, accumulate, bias, act });
    for (const on of [true, false]) {
      const C = C0.slice();
      sgemm(M, N, K, A, 0, B, 0, C, 0, { transA, transB, accumulate, bias, act, wasm: on });
      expectClose(C, want, on ? 'wasm' : 'js', 1e-4, 1e-4);
    }
  });

  it('reads strided operands at offsets inside larger buffers', () => {
    const [M, N, K] = [9, 21, 33];
    const lda = 40, ldb = 30, ldc = 25;
    const A = rand(3 + M * lda);
    const B = rand(2 + K * ldb);
    const C = rand(1 + M * ldc);
    const want = C.slice();
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[3 + i * lda + k]! * B[2 + k * ldb + j]!;
        want[1 + i * ldc + j] = s;
      }
    sgemm(M, N, K, A, 3, B, 2, C, 1, { lda, ldb, ldc });
    expectClose(C, want, 'strided', 1e-4, 1e-4);
  });

  it('propagates NaN and Inf from A and B (no zero-skipping)', () => {
    for (const M of [1, 5, 9]) {
      const A = new Float32Array(M * 2);
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
