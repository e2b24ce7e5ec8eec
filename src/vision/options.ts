// What an image becomes on its way into a model: where it lands (resize mode), which channels, how values are
// scaled, the dtype and the layout. Shared by the GPU pass (shaders/image_input.wgsl), the CPU path and the tests.
import { InputError } from '../errors.js';

export type ResizeMode = 'stretch' | 'letterbox' | 'crop';
export type ChannelOrder = 'rgb' | 'bgr' | 'grey';
export type ImageDtype = 'float32' | 'int32';
export type ImageLayout = 'nhwc' | 'nchw';

export interface ImageInputOptions {
  /** Model input size in pixels (taken from the model's input shape when the helper is bound to a model). */
  width: number;
  height: number;
  /** stretch: whole image to the whole input; letterbox: fit inside, border = padValue; crop: centre crop that fills. */
  resize?: ResizeMode;
  channels?: ChannelOrder;
  /** value = (pixel·scale − mean[c]) / std[c], pixel in 0–255. Defaults: scale 1/255, mean 0, std 1. */
  scale?: number;
  mean?: number | readonly number[];
  std?: number | readonly number[];
  /** int32: the pixel value 0–255 truncated to an integer (MoveNet); scale/mean/std must be left unset. */
  dtype?: ImageDtype;
  layout?: ImageLayout;
  /** Letterbox border as a pixel value 0–255 before scaling (default 0). */
  padValue?: number;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The part of the source (pixels) that is resampled into the part of the model input (pixels) it lands in. */
export interface Placement {
  readonly src: Rect;
  readonly dst: Rect;
}

export interface ResolvedImageOptions {
  readonly width: number;
  readonly height: number;
  readonly resize: ResizeMode;
  readonly channels: ChannelOrder;
  readonly dtype: ImageDtype;
  readonly layout: ImageLayout;
  readonly padValue: number;
  /** Channel count of the tensor: 1 for grey, else 3. */
  readonly c: number;
  /** Per output channel: value = pixel·gain[c] + bias[c]. */
  readonly gain: readonly number[];
  readonly bias: readonly number[];
}

/** ITU-R BT.601 luma, as tf.image.rgbToGrayscale. */
export const GREY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

function perChannel(name: string, v: number | readonly number[] | undefined, dflt: number, c: number): number[] {
  if (v === undefined) return new Array<number>(c).fill(dflt);
  const arr = typeof v === 'number' ? new Array<number>(c).fill(v) : [...v];
  if (arr.length !== c || arr.some((x) => !Number.isFinite(x)))
    throw new InputError(`image input: ${name} needs ${c} finite value(s) for ${c === 1 ? 'grey' : 'rgb/bgr'}, got ${JSON.stringify(v)}`);
  return arr;
}

export function resolveImageOptions(o: ImageInputOptions): ResolvedImageOptions {
  for (const k of ['width', 'height'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1 || o[k] > 16384) throw new InputError(`image input: ${k} must be an integer in 1..16384, got ${o[k]}`);
  const resize = o.resize ?? 'stretch';
  const channels = o.channels ?? 'rgb';
  const dtype = o.dtype ?? 'float32';
  const layout = o.layout ?? 'nhwc';
  if (!['stretch', 'letterbox', 'crop'].includes(resize)) throw new InputError(`image input: unknown resize mode "${resize}"`);
  if (!['rgb', 'bgr', 'grey'].includes(channels)) throw new InputError(`image input: unknown channel order "${channels}"`);
  if (!['float32', 'int32'].includes(dtype)) throw new InputError(`image input: unknown dtype "${dtype}"`);
  if (!['nhwc', 'nchw'].includes(layout)) throw new InputError(`image input: unknown layout "${layout}"`);
  const c = channels === 'grey' ? 1 : 3;
  if (dtype === 'int32' && (o.scale !== undefined || o.mean !== undefined || o.std !== undefined))
    throw new InputError('image input: int32 gives raw 0–255 pixel values; scale, mean and std apply to float32 only');
  const scale = o.scale ?? (dtype === 'int32' ? 1 : 1 / 255);
  if (!Number.isFinite(scale)) throw new InputError(`image input: scale must be finite, got ${scale}`);
  const mean = perChannel('mean', o.mean, 0, c);
  const std = perChannel('std', o.std, 1, c);
  if (std.some((s) => s === 0)) throw new InputError('image input: std must not be 0');
  const padValue = o.padValue ?? 0;
  if (!(padValue >= 0 && padValue <= 255)) throw new InputError(`image input: padValue must be in 0..255, got ${padValue}`);
  return {
    width: o.width,
    height: o.height,
    resize,
    channels,
    dtype,
    layout,
    padValue,
    c,
    gain: std.map((s) => scale / s),
    bias: std.map((s, i) => -mean[i]! / s),
  };
}

/** Where a srcW×srcH image goes for the given mode; letterbox and crop keep the aspect ratio, centred. */
export function placement(srcW: number, srcH: number, o: Pick<ResolvedImageOptions, 'width' | 'height' | 'resize'>): Placement {
  const { width: W, height: H } = o;
  const full = { x: 0, y: 0, w: W, h: H };
  if (o.resize === 'letterbox') {
    const s = Math.min(W / srcW, H / srcH);
    const w = Math.max(1, Math.min(W, Math.round(srcW * s)));
    const h = Math.max(1, Math.min(H, Math.round(srcH * s)));
    return { src: { x: 0, y: 0, w: srcW, h: srcH }, dst: { x: Math.floor((W - w) / 2), y: Math.floor((H - h) / 2), w, h } };
  }
  if (o.resize === 'crop') {
    const s = Math.max(W / srcW, H / srcH);
    const w = W / s;
    const h = H / s;
    return { src: { x: (srcW - w) / 2, y: (srcH - h) / 2, w, h }, dst: full };
  }
  return { src: { x: 0, y: 0, w: srcW, h: srcH }, dst: full };
}

/** A point in the model input, normalised to [0, 1], back to the source image, normalised to [0, 1]. */
export function toSourceNormalised(p: Placement, srcW: number, srcH: number, o: { width: number; height: number }, nx: number, ny: number): [number, number] {
  const x = p.src.x + ((nx * o.width - p.dst.x) * p.src.w) / p.dst.w;
  const y = p.src.y + ((ny * o.height - p.dst.y) * p.src.h) / p.dst.h;
  return [x / srcW, y / srcH];
}

/** Element strides of (y, x, c) in the tensor for a batch-1 image, logical row-major. */
export function logicalStrides(o: Pick<ResolvedImageOptions, 'width' | 'height' | 'c' | 'layout'>): { y: number; x: number; c: number } {
  return o.layout === 'nhwc' ? { y: o.width * o.c, x: o.c, c: 1 } : { y: o.width, x: 1, c: o.width * o.height };
}

export function tensorShape(o: Pick<ResolvedImageOptions, 'width' | 'height' | 'c' | 'layout'>): number[] {
  return o.layout === 'nhwc' ? [1, o.height, o.width, o.c] : [1, o.c, o.height, o.width];
}
