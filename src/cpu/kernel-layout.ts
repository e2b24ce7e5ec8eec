// Operand layout rules of the wasm kernels (wasm-kernels.ts), shared by the callers that lay operands out in the
// wasm heap: conv-fast.ts (one kernel at a time) and chain-bands.ts (a fused chain over bands of rows).
import type { FusedActivation } from '../ops/activation.js';
import type { ConvAttrs } from '../ops/conv.js';

/** One conv of a fused chain: its weights, bias and attributes. */
export interface ConvParams {
  w: Float32Array;
  bias: Float32Array | undefined;
  a: ConvAttrs;
}

/** The in-kernel clamp [lo, hi] for an activation (none when absent), or undefined when it must be applied afterwards. */
export function clampOf(act: FusedActivation | undefined): [number, number] | undefined {
  return !act || act.kind === 'none' ? [-Infinity, Infinity] : act.kind === 'relu' ? [0, Infinity] : act.kind === 'clip' ? [act.min, act.max] : undefined;
}

/** A regular or grouped conv's window and groups: channels per group in and out, and K of its per-group GEMM. */
export function convGeometry(a: ConvAttrs, Cin: number, Cout: number) {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const G = a.group;
  const cg = Cin / G;
  return { kh, kw, sh, sw, dh, dw, pt, pl, G, cg, og: Cout / G, K: cg * kh * kw };
}

/**
 * The depthwise kernel's zero-padded scratch plane (Hp x Wp, `pStride` floats per thread): every tap of every
 * (rounded-up) output column and the 4-wide row copies stay inside it.
 */
export function dwPlane(H: number, W: number, Ho: number, Wo: number, k: number, s: number, pt: number, pl: number): { Hp: number; Wp: number; pStride: number } {
  const wo4 = Math.ceil(Wo / 4) * 4;
  const Hp = Math.max(H + pt, (Ho - 1) * s + k);
  const Wp = Math.ceil(Math.max(pl + Math.ceil(W / 4) * 4, (Wo - 1) * s + k, s === 1 ? wo4 + k - 1 : 2 * wo4 + k - 1) / 4) * 4;
  return { Hp, Wp, pStride: Math.ceil((Hp * Wp + 4) / 4) * 4 };
}

/** Floats between the depthwise kernel's output planes of `oplane` floats (room for its 4-wide row stores). */
export function dwPlaneStride(oplane: number): number {
  return Math.ceil((oplane + 3) / 4) * 4;
}

