import { shapeStr } from '../tensor.js';
import type { NodeCtx } from './types.js';

/** Sliding-window geometry shared by Conv and the pools, for 2-D NCHW inputs. */
export interface Window2D {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** ONNX order: [top, left, bottom, right], already resolved from auto_pad. */
  pads: [number, number, number, number];
}

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** Extent of a dilated kernel: (k - 1) * d + 1. */
export function effectiveKernel(k: number, d: number): number {
  return (k - 1) * d + 1;
}

/**
 * Output length along one axis. With ceil_mode the last window must still start inside the input or the
 * leading padding (PyTorch and the ONNX reference drop a window that would start in the trailing padding).
 */
export function outputSize(inSize: number, k: number, s: number, d: number, padBegin: number, padEnd: number, ceil = false): number {
  const span = inSize + padBegin + padEnd - effectiveKernel(k, d);
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= inSize + padBegin) out--;
  return out;
}

/** ONNX auto_pad SAME_*: output = ceil(in / stride); the odd unit of padding goes at the end (UPPER) or start (LOWER). */
export function samePads(inSize: number, k: number, s: number, d: number, upper: boolean): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max(0, (out - 1) * s + effectiveKernel(k, d) - inSize);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

function pair(ctx: NodeCtx, name: string, fallback: number): [number, number] {
  const v = ctx.ints(name, [fallback, fallback]);
  if (v.length !== 2) throw ctx.error(`attribute ${name} must have 2 values for a 2-D window, got [${v.join(', ')}]`);
  if (v.some((x) => x < 1)) throw ctx.error(`attribute ${name} must be positive, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/**
 * Reads strides, dilations, pads and auto_pad for a 2-D window of the given kernel, resolving auto_pad into
 * explicit pads from the spatial input size [H, W]. `dilations` is ignored (fixed at 1) when the op has none.
 */
export function parseWindow2D(ctx: NodeCtx, kernel: [number, number], inHW: readonly [number, number], hasDilations = true): Window2D {
  const strides = pair(ctx, 'strides', 1);
  const dilations: [number, number] = hasDilations ? pair(ctx, 'dilations', 1) : [1, 1];
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  let pads: [number, number, number, number];
  switch (autoPad) {
    case 'NOTSET': {
      const p = ctx.ints('pads', [0, 0, 0, 0]);
      if (p.length !== 4) throw ctx.error(`attribute pads must have 4 values [top, left, bottom, right], got [${p.join(', ')}]`);
      if (p.some((x) => x < 0)) throw ctx.error(`attribute pads must be non-negative, got [${p.join(', ')}]`);
      pads = [p[0]!, p[1]!, p[2]!, p[3]!];
      break;
    }
    case 'VALID':
      pads = [0, 0, 0, 0];
      break;
    case 'SAME_UPPER':
    case 'SAME_LOWER': {
      const upper = autoPad === 'SAME_UPPER';
      const [t, b] = samePads(inHW[0], kernel[0], strides[0], dilations[0], upper);
      const [l, r] = samePads(inHW[1], kernel[1], strides[1], dilations[1], upper);
      pads = [t, l, b, r];
      break;
    }
    default:
      throw ctx.error(`auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got "${autoPad}"`);
  }
  return { kernel, strides, dilations, pads };
}

/** [Hout, Wout] of a window over [H, W]; throws naming the shapes when the window does not fit. */
export function windowOutput(ctx: NodeCtx, w: Window2D, inHW: readonly [number, number], ceil = false): [number, number] {
  const oh = outputSize(inHW[0], w.kernel[0], w.strides[0], w.dilations[0], w.pads[0], w.pads[2], ceil);
  const ow = outputSize(inHW[1], w.kernel[1], w.strides[1], w.dilations[1], w.pads[1], w.pads[3], ceil);
  if (oh < 1 || ow < 1)
    throw ctx.error(
      `kernel [${w.kernel.join(', ')}] with dilations [${w.dilations.join(', ')}] does not fit the input ` +
        `[${inHW.join(', ')}] padded by [${w.pads.join(', ')}] (output would be [${oh}, ${ow}])`,
    );
  return [oh, ow];
}

/**
 * For output positions o in [0, out), the taps k in [lo[o], hi[o]) whose input index o*s - pad + k*d lies in
 * [0, inSize). Lets kernels hoist all bounds checks out of their inner loops.
 */
export function tapRanges(out: number, inSize: number, k: number, s: number, d: number, padBegin: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * s - padBegin;
    // smallest t with start + t*d >= 0; largest t with start + t*d <= inSize - 1
    const a = start >= 0 ? 0 : Math.ceil(-start / d);
    const b = Math.min(k, Math.floor((inSize - 1 - start) / d) + 1);
    lo[o] = Math.min(a, k);
    hi[o] = Math.max(b, lo[o]!);
  }
  return { lo, hi };
}

/**
 * The transpose of tapRanges: for each tap t in [0, k), the output positions o in [lo[t], hi[t]) whose input
 * index o*s - pad + t*d lies in [0, inSize); always one contiguous range.
 */
export function outputRanges(out: number, inSize: number, k: number, s: number, d: number, padBegin: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(k);
  const hi = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    const off = t * d - padBegin;
    const a = Math.min(out, off >= 0 ? 0 : Math.ceil(-off / s));
    const b = Math.min(out, Math.floor((inSize - 1 - off) / s) + 1);
    lo[t] = a;
    hi[t] = Math.max(a, b);
  }
  return { lo, hi };
}

export interface PoolAttrs extends Window2D {
  ceilMode: boolean;
  /** [Hout, Wout] */
  out: [number, number];
}

/** kernel_shape, strides, pads/auto_pad, ceil_mode (and dilations where the op has them) of a 2-D pool. */
export function parsePool2D(ctx: NodeCtx, hasDilations: boolean): PoolAttrs {
  const xs = ctx.shape(0);
  if (xs.length !== 4) throw ctx.error(`only 2-D pooling is supported: input must be 4-D NCHW, got ${shapeStr(xs)}`);
  const ks = ctx.ints('kernel_shape');
  if (ks === undefined) throw ctx.error('attribute kernel_shape is required');
  if (ks.length !== 2 || ks.some((k) => k < 1))
    throw ctx.error(`kernel_shape must be 2 positive values for input ${shapeStr(xs)}, got [${ks.join(', ')}]`);
  const hw: [number, number] = [xs[2]!, xs[3]!];
  const win = parseWindow2D(ctx, [ks[0]!, ks[1]!], hw, hasDilations);
  const ceilMode = ctx.int('ceil_mode', 0) !== 0;
  return { ...win, ceilMode, out: windowOutput(ctx, win, hw, ceilMode) };
}
