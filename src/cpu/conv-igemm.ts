/**
 * Implicit-GEMM convolution on the wasm kernels (wasm-conv.ts) for regular and grouped convs with
 * horizontal stride 1 or 2 (any kernel size, vertical stride and dilation): per batch item the input is copied
 * once into zero-padded planes in the wasm heap (de-interleaved for stride 2) and every output block reads its
 * taps from there through a table of offsets; no im2col matrix is built.
 *
 * Heap layout (floats, from 0: scratch, like the other kernels): x (Cin planes of H x W, + 4) | padded planes
 * (Cin x Hp x Wp) | tap table (K i32) | per-thread row buffers (stride 2) | packed weights | packed bias | output
 * (G x ogPad planes of Ho x Wo). Constant weights are packed once per weight array (WeakMap) into CONV_MR-channel
 * panels; only the memcpy into the heap is per call.
 */
import { applyActivationRange } from '../ops/activation.js';
import type { ConvAttrs } from '../ops/conv.js';
import { clampOf, convGeometry } from './kernel-layout.js';
import { MAX_CALLS, type KernelCall } from './threads.js';
import { CONV_MR as MR } from './wasm-conv.js';
import type { WasmKernels } from './wasm-kernels.js';

interface Packed {
  G: number;
  og: number;
  K: number;
  data: Float32Array;
}

const packedWeights = new WeakMap<Float32Array, Packed>();

/**
 * Weights [Cout][cg][kh][kw] as panels [G][ceil(og/MR)][cg·kh·kw][MR], channels past og zero: the MR weights of one
 * tap are consecutive. Kept per array only for constant weights: a computed weight may come in a recycled buffer
 * (pool.ts) with new contents.
 */
function packWeights(w: Float32Array, G: number, og: number, K: number, keep: boolean): Float32Array {
  const hit = keep ? packedWeights.get(w) : undefined;
  if (hit && hit.G === G && hit.og === og && hit.K === K) return hit.data;
  const nblk = Math.ceil(og / MR);
  const data = new Float32Array(G * nblk * K * MR);
  for (let g = 0; g < G; g++)
    for (let b = 0; b < nblk; b++) {
      const base = (g * nblk + b) * K * MR;
      for (let r = 0; r < MR; r++) {
        const o = b * MR + r;
        if (o >= og) continue;
        const src = (g * og + o) * K;
        for (let k = 0; k < K; k++) data[base + k * MR + r] = w[src + k]!;
      }
    }
  if (keep) packedWeights.set(w, { G, og, K, data });
  return data;
}

/** Whether the implicit-GEMM kernels cover this conv (else im2col). */
export function igemmConvFits(a: ConvAttrs): boolean {
  // one call per group and thread: the thread board holds MAX_CALLS per list
  return (a.strides[1] === 1 || a.strides[1] === 2) && a.group <= MAX_CALLS;
}

export function igemmConv(
  wk: WasmKernels, x: Float32Array, N: number, Cin: number, H: number, W: number, w: Float32Array,
  bias: Float32Array | undefined, a: ConvAttrs, y: Float32Array, Cout: number, Ho: number, Wo: number,
): void {
  const { kh, kw, sh, sw, dh, dw, pt, pl, G, cg, og, K } = convGeometry(a, Cin, Cout);
  const nblk = Math.ceil(og / MR);
  const ogPad = nblk * MR;
  const wo8 = Math.ceil(Wo / 8) * 8;
  const keh = (kh - 1) * dh + 1;
  const kew = (kw - 1) * dw + 1;
  // every 8-column block's taps stay inside a padded row (stride 2: inside its half), and so do the 4-wide row copies
  const copyW = pl + Math.ceil(W / 4) * 4;
  const Wp = sw === 1
    ? Math.ceil(Math.max(wo8 + kew - 1, copyW) / 4) * 4
    : Math.ceil(Math.max(2 * (wo8 + ((kew - 1) >> 1)), copyW) / 8) * 8;
  const Hp = Math.max(pt + H, (Ho - 1) * sh + keh);
  const pps = Hp * Wp;
  const plane = H * W;
  const oplane = Ho * Wo;
  const packed = packWeights(w, G, og, K, a.constWeights === true);
  const T = wk.threads;
  const padParts = Math.max(1, Math.min(T, Cin));
  const rowParts = Math.max(1, Math.min(T, Ho));
  const xB = 0;
  const pB = Math.ceil((xB + Cin * plane + 4) / 4) * 4;
  const tB = pB + Cin * pps;
  const rB = Math.ceil((tB + K) / 4) * 4;
  const wB = rB + (sw === 2 ? padParts * Wp : 0);
  const bB = wB + packed.length;
  const yB = bB + G * ogPad;
  const heap = wk.heap((yB + G * ogPad * oplane) * 4);
  const tab = new Int32Array(heap.buffer, tB * 4, K);
  for (let c = 0, k = 0; c < cg; c++)
    for (let ky = 0; ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++, k++) {
        const col = kx * dw;
        tab[k] = 4 * (c * pps + ky * dh * Wp + (sw === 1 ? col : (col & 1) * (Wp >> 1) + (col >> 1)));
      }
  heap.set(packed, wB);
  heap.fill(0, bB, yB);
  if (bias) for (let g = 0; g < G; g++) heap.set(bias.subarray(g * og, (g + 1) * og), bB + g * ogPad);
  const clamp = clampOf(a.act);
  const [lo, hi] = clamp ?? [-Infinity, Infinity];
  for (let n = 0; n < N; n++) {
    heap.set(x.subarray(n * Cin * plane, (n + 1) * Cin * plane), xB);
    const pads: KernelCall[][] = [];
    for (let t = 0; t < padParts; t++) {
      const c0 = Math.floor((Cin * t) / padParts);
      const c1 = Math.floor((Cin * (t + 1)) / padParts);
      pads.push([{
        fn: 'convpad',
        args: [c1 - c0, H, W, Hp, Wp, pt, pl, (xB + c0 * plane) * 4, plane * 4, (pB + c0 * pps) * 4, pps * 4, sw === 2 ? 1 : 0, (rB + t * Wp) * 4],
      }]);
    }
    wk.parallel(pads);
    // output rows split over the threads: every output is computed the same way whatever the split
    const lists: KernelCall[][] = [];
    for (let t = 0; t < rowParts; t++) {
      const oy0 = Math.floor((Ho * t) / rowParts);
      const oy1 = Math.floor((Ho * (t + 1)) / rowParts);
      const calls: KernelCall[] = [];
      for (let g = 0; g < G; g++)
        calls.push({
          fn: 'conv',
          args: [nblk, K, oy0, oy1, Wo, (pB + g * cg * pps) * 4, tB * 4, sh * Wp * 4, (wB + g * nblk * K * MR) * 4,
            (bB + g * ogPad) * 4, (yB + g * ogPad * oplane) * 4, oplane * 4, lo, hi],
        });
      lists.push(calls);
    }
    wk.parallel(lists);
    const out = n * Cout * oplane;
    if (ogPad === og) y.set(heap.subarray(yB, yB + Cout * oplane), out);
    else
      for (let g = 0; g < G; g++)
        y.set(heap.subarray(yB + g * ogPad * oplane, yB + (g * ogPad + og) * oplane), out + g * og * oplane);
  }
  if (!clamp) applyActivationRange(y, 0, N * Cout * oplane, a.act);
}
