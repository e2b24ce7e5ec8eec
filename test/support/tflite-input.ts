/**
 * Bilinear samples (half-pixel centres, edges clamped) of an RGB image at each pixel of a w×h grid, in row order:
 * `put(i, c, v)` gets output pixel i's channel c in 0–255 units. Plain JS so the browser page and Node compute the
 * same bits.
 */
export function sampleBilinear(rgb: Uint8Array, sw: number, sh: number, w: number, h: number, put: (i: number, c: number, v: number) => void): void {
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * sh) / h - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const dy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * sw) / w - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const dx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => rgb[(yy * sw + xx) * 3 + c]!;
        put(y * w + x, c, (1 - dy) * ((1 - dx) * p(y0, x0) + dx * p(y0, x1)) + dy * ((1 - dx) * p(y1, x0) + dx * p(y1, x1)));
      }
    }
  }
}

/**
 * An RGB image resized to w×h (sampleBilinear) as an NHWC float32 tensor with values mapped from [0, 255] to
 * [lo, hi]: the model inputs of the TFLite reference checks.
 */
export function resizeBilinear(rgb: Uint8Array, sw: number, sh: number, w: number, h: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(w * h * 3);
  const k = (hi - lo) / 255;
  sampleBilinear(rgb, sw, sh, w, h, (i, c, v) => (out[i * 3 + c] = lo + k * v));
  return out;
}
