// The CPU half of the input helper: bilinear resampling of 8-bit pixels into the model's tensor, the same
// arithmetic as shaders/image_input.wgsl (pixel centres at +0.5, clamp to edge, 0–255 units, then gain/bias).
import { GREY_WEIGHTS, type Placement, type ResolvedImageOptions } from './options.js';

/** Raw pixels: RGBA (4 per pixel, as ImageData) or RGB (3 per pixel), row-major, top row first. */
export interface Pixels {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

export interface Strides {
  readonly y: number;
  readonly x: number;
  readonly c: number;
}

/** Taps along one axis: for each output coordinate, the two source indices and the weight of the second. */
interface AxisTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly f: Float32Array;
  readonly inside: Uint8Array;
}

function axisTaps(n: number, dst0: number, dstLen: number, src0: number, srcLen: number, srcSize: number): AxisTaps {
  const t = { i0: new Int32Array(n), i1: new Int32Array(n), f: new Float32Array(n), inside: new Uint8Array(n) };
  const step = srcLen / dstLen;
  for (let k = 0; k < n; k++) {
    const centre = k + 0.5;
    t.inside[k] = centre >= dst0 && centre < dst0 + dstLen ? 1 : 0;
    const u = src0 + (centre - dst0) * step - 0.5;
    const j = Math.floor(u);
    t.f[k] = u - j;
    t.i0[k] = Math.min(Math.max(j, 0), srcSize - 1);
    t.i1[k] = Math.min(Math.max(j + 1, 0), srcSize - 1);
  }
  return t;
}

export interface Taps {
  readonly x: AxisTaps;
  readonly y: AxisTaps;
  /** The source size and placement they were made for (a cache key). */
  readonly key: string;
}

export function makeTaps(srcW: number, srcH: number, p: Placement, o: Pick<ResolvedImageOptions, 'width' | 'height'>): Taps {
  return {
    x: axisTaps(o.width, p.dst.x, p.dst.w, p.src.x, p.src.w, srcW),
    y: axisTaps(o.height, p.dst.y, p.dst.h, p.src.y, p.src.h, srcH),
    key: tapsKey(srcW, srcH, p),
  };
}

export const tapsKey = (srcW: number, srcH: number, p: Placement) => JSON.stringify([srcW, srcH, p]);

/**
 * Writes the resampled image into `out` (batch 0) at the given element strides. `out` is float32 (values after
 * gain/bias, or truncated 0–255 integers for int32) or an Int32Array.
 */
export function resampleInto(px: Pixels, t: Taps, o: ResolvedImageOptions, strides: Strides, out: Float32Array | Int32Array): void {
  const { width: W, height: H, c: C } = o;
  const bpp = px.data.length / (px.width * px.height);
  const { x: tx, y: ty } = t;
  const isInt = o.dtype === 'int32';
  const order = o.channels === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const d = px.data;
  const rgb = [0, 0, 0];
  for (let y = 0; y < H; y++) {
    const r0 = ty.i0[y]! * px.width;
    const r1 = ty.i1[y]! * px.width;
    const fy = ty.f[y]!;
    for (let x = 0; x < W; x++) {
      const base = y * strides.y + x * strides.x;
      if (!ty.inside[y] || !tx.inside[x]) {
        for (let c = 0; c < C; c++) out[base + c * strides.c] = isInt ? Math.trunc(o.padValue) : o.padValue * o.gain[c]! + o.bias[c]!;
        continue;
      }
      const a = (r0 + tx.i0[x]!) * bpp;
      const b = (r0 + tx.i1[x]!) * bpp;
      const e = (r1 + tx.i0[x]!) * bpp;
      const g = (r1 + tx.i1[x]!) * bpp;
      const fx = tx.f[x]!;
      for (let k = 0; k < 3; k++) {
        const top = d[a + k]! + (d[b + k]! - d[a + k]!) * fx;
        const bot = d[e + k]! + (d[g + k]! - d[e + k]!) * fx;
        rgb[k] = top + (bot - top) * fy;
      }
      if (C === 1) {
        const v = GREY_WEIGHTS[0] * rgb[0]! + GREY_WEIGHTS[1] * rgb[1]! + GREY_WEIGHTS[2] * rgb[2]!;
        out[base] = isInt ? Math.trunc(v) : v * o.gain[0]! + o.bias[0]!;
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const v = rgb[order[c]!]!;
        out[base + c * strides.c] = isInt ? Math.trunc(v) : v * o.gain[c]! + o.bias[c]!;
      }
    }
  }
}
