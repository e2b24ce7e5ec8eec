// An independent, plain reference for the image input helper (one output element at a time, float64), the
// synthetic test images, the option cases and the comparison, shared by the Node test and the browser page.
export interface RefOptions {
  width: number;
  height: number;
  resize?: 'stretch' | 'letterbox' | 'crop';
  channels?: 'rgb' | 'bgr' | 'grey';
  scale?: number;
  mean?: number[];
  std?: number[];
  dtype?: 'float32' | 'int32';
  layout?: 'nhwc' | 'nchw';
  padValue?: number;
}

/** Deterministic opaque RGBA test image with smooth gradients plus noise (so interpolation errors show). */
export function testImage(width: number, height: number, seed = 7): { data: Uint8ClampedArray; width: number; height: number } {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      data[i] = Math.round((255 * x) / Math.max(1, width - 1) * 0.7 + rnd() * 76);
      data[i + 1] = Math.round((255 * y) / Math.max(1, height - 1) * 0.7 + rnd() * 76);
      data[i + 2] = Math.round(rnd() * 255);
      data[i + 3] = 255;
    }
  return { data, width, height };
}

/** The resize rule, stated directly: which source rectangle maps onto which target rectangle. */
function rects(sw: number, sh: number, o: RefOptions): { sx: number; sy: number; sW: number; sH: number; dx: number; dy: number; dW: number; dH: number } {
  const { width: W, height: H } = o;
  if (o.resize === 'letterbox') {
    const k = Math.min(W / sw, H / sh);
    const dW = Math.min(W, Math.max(1, Math.round(sw * k)));
    const dH = Math.min(H, Math.max(1, Math.round(sh * k)));
    return { sx: 0, sy: 0, sW: sw, sH: sh, dx: Math.floor((W - dW) / 2), dy: Math.floor((H - dH) / 2), dW, dH };
  }
  if (o.resize === 'crop') {
    // the largest centred source rectangle with the target's aspect ratio
    const aspect = W / H;
    const sW = Math.min(sw, sh * aspect);
    const sH = sW / aspect;
    return { sx: (sw - sW) / 2, sy: (sh - sH) / 2, sW, sH, dx: 0, dy: 0, dW: W, dH: H };
  }
  return { sx: 0, sy: 0, sW: sw, sH: sh, dx: 0, dy: 0, dW: W, dH: H };
}

/** Reference tensor (float64 values, logical layout) from RGBA or RGB pixels. */
export function referenceTensor(px: { data: ArrayLike<number>; width: number; height: number }, o: RefOptions): { shape: number[]; data: Float64Array } {
  const { width: W, height: H } = o;
  const grey = o.channels === 'grey';
  const C = grey ? 1 : 3;
  const bpp = px.data.length / (px.width * px.height);
  const isInt = o.dtype === 'int32';
  const scale = o.scale ?? (isInt ? 1 : 1 / 255);
  const mean = o.mean ?? new Array(C).fill(0);
  const std = o.std ?? new Array(C).fill(1);
  const pad = o.padValue ?? 0;
  const r = rects(px.width, px.height, o);
  const pix = (x: number, y: number, k: number) => {
    const cx = Math.min(Math.max(x, 0), px.width - 1);
    const cy = Math.min(Math.max(y, 0), px.height - 1);
    return px.data[(cy * px.width + cx) * bpp + k]!;
  };
  const shape = o.layout === 'nchw' ? [1, C, H, W] : [1, H, W, C];
  const data = new Float64Array(C * H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const inside = x + 0.5 >= r.dx && x + 0.5 < r.dx + r.dW && y + 0.5 >= r.dy && y + 0.5 < r.dy + r.dH;
      let rgb: number[];
      if (!inside) rgb = [pad, pad, pad];
      else {
        const u = r.sx + ((x + 0.5 - r.dx) * r.sW) / r.dW - 0.5;
        const v = r.sy + ((y + 0.5 - r.dy) * r.sH) / r.dH - 0.5;
        const x0 = Math.floor(u);
        const y0 = Math.floor(v);
        const fx = u - x0;
        const fy = v - y0;
        rgb = [0, 1, 2].map(
          (k) =>
            (1 - fy) * ((1 - fx) * pix(x0, y0, k) + fx * pix(x0 + 1, y0, k)) + fy * ((1 - fx) * pix(x0, y0 + 1, k) + fx * pix(x0 + 1, y0 + 1, k)),
        );
      }
      const chans = grey ? [inside ? 0.2989 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]! : pad] : o.channels === 'bgr' ? [rgb[2]!, rgb[1]!, rgb[0]!] : rgb;
      chans.forEach((val, c) => {
        const out = isInt ? Math.trunc(val) : (val * scale - mean[c]!) / std[c]!;
        const idx = o.layout === 'nchw' ? (c * H + y) * W + x : (y * W + x) * C + c;
        data[idx] = out;
      });
    }
  return { shape, data };
}

export interface CaseResult {
  name: string;
  maxErr: number;
  /** Elements outside tolerance. */
  bad: number;
  /** int32 only: elements not exactly equal (allowed on ≤ 1 % when within ±1). */
  inexact: number;
  n: number;
  first?: string;
  ok: boolean;
}

/**
 * float32: |got − ref| ≤ atol + rtol·|ref| with atol = 1e-4, rtol = 1e-4 (the GPU computes in f32, the
 * reference in f64). int32 (truncation of a bilinear value): |got − ref| ≤ 1 everywhere and exact on ≥ 99 %,
 * as an f32 weight a hair off an integral boundary may truncate one level lower. `levels` widens the float
 * tolerance by that many 8-bit levels (video frames pass through a colour conversion).
 */
export function compareImage(name: string, got: ArrayLike<number>, ref: { data: Float64Array }, dtype: 'float32' | 'int32', levels = 0, gain = 1 / 255): CaseResult {
  let maxErr = 0;
  let bad = 0;
  let inexact = 0;
  let first: string | undefined;
  const n = ref.data.length;
  if (got.length !== n) return { name, maxErr: Infinity, bad: n, inexact: n, n, first: `length ${got.length} ≠ ${n}`, ok: false };
  for (let i = 0; i < n; i++) {
    const g = got[i]!;
    const r = ref.data[i]!;
    const e = Math.abs(g - r);
    if (!(e <= maxErr)) maxErr = Number.isNaN(e) ? Infinity : e;
    const tol = dtype === 'int32' ? 1 + levels : 1e-4 + 1e-4 * Math.abs(r) + levels * gain;
    if (dtype === 'int32' && e !== 0) inexact++;
    if (!(e <= tol)) {
      bad++;
      first ??= `element ${i}: got ${g}, want ${r}`;
    }
  }
  const ok = bad === 0 && (dtype === 'float32' || levels > 0 || inexact <= 0.01 * n);
  return { name, maxErr, bad, inexact, n, first, ok };
}

/** The option matrix run on one source type: every resize mode, layout, dtype and channel order. */
export const OPTION_CASES: { name: string; o: Omit<RefOptions, 'width' | 'height'>; width: number; height: number }[] = [];
for (const resize of ['stretch', 'letterbox', 'crop'] as const)
  for (const layout of ['nhwc', 'nchw'] as const)
    for (const variant of ['float', 'int', 'bgr-norm', 'grey'] as const) {
      const o: Omit<RefOptions, 'width' | 'height'> = { resize, layout };
      if (variant === 'int') o.dtype = 'int32';
      if (variant === 'bgr-norm') Object.assign(o, { channels: 'bgr', scale: 1, mean: [103.9, 116.8, 123.7], std: [57.4, 57.1, 58.4] });
      if (variant === 'grey') Object.assign(o, { channels: 'grey', scale: 2 / 255, mean: [1] });
      if (resize === 'letterbox') o.padValue = 114;
      // one upscaling and one downscaling axis, odd sizes
      OPTION_CASES.push({ name: `${resize},${layout},${variant}`, o, width: variant === 'grey' ? 53 : 16, height: variant === 'grey' ? 9 : 29 });
    }
