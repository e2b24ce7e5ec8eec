// Image sources the helper accepts, their size, and (for the CPU path) their pixels through a reused canvas.
import { InputError } from '../errors.js';
import type { Pixels } from './resample.js';

/** Everything copyExternalImageToTexture takes, plus raw pixels ({ data, width, height }, RGBA or RGB) for Node. */
export type ImageSource =
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | ImageData
  | HTMLVideoElement
  | VideoFrame
  | Pixels;

const has = (name: string) => typeof (globalThis as Record<string, unknown>)[name] === 'function';
const is = <T>(v: unknown, name: string): v is T => has(name) && v instanceof ((globalThis as Record<string, unknown>)[name] as new () => T);

export const isVideo = (s: ImageSource): s is HTMLVideoElement | VideoFrame => is(s, 'HTMLVideoElement') || is(s, 'VideoFrame');

/** ImageData or { data, width, height }: pixels already in memory. */
export function isPixels(s: ImageSource): s is Pixels {
  return is(s, 'ImageData') || (typeof s === 'object' && s !== null && 'data' in s && 'width' in s && 'height' in s && !('getContext' in s));
}

export function sourceSize(s: ImageSource): { width: number; height: number } {
  let width: number;
  let height: number;
  if (is<HTMLImageElement>(s, 'HTMLImageElement')) [width, height] = [s.naturalWidth, s.naturalHeight];
  else if (is<HTMLVideoElement>(s, 'HTMLVideoElement')) [width, height] = [s.videoWidth, s.videoHeight];
  else if (is<VideoFrame>(s, 'VideoFrame')) [width, height] = [s.displayWidth, s.displayHeight];
  else [width, height] = [(s as { width: number }).width, (s as { height: number }).height];
  if (!(width > 0 && height > 0))
    throw new InputError(`image input: the source has no pixels yet (${width}×${height}); wait for the image to load or the video to have data`);
  if (isPixels(s)) {
    const bpp = s.data.length / (width * height);
    if (bpp !== 3 && bpp !== 4)
      throw new InputError(`image input: ${s.data.length} bytes for ${width}×${height} pixels is neither RGBA nor RGB`);
  }
  return { width, height };
}

/** Reads any source's RGBA pixels on the CPU; the canvas is reused while the source size stays the same. */
export class PixelReader {
  private canvas?: OffscreenCanvas;
  private ctx?: OffscreenCanvasRenderingContext2D;

  read(s: ImageSource): Pixels {
    const { width, height } = sourceSize(s);
    if (isPixels(s)) return s;
    if (typeof OffscreenCanvas === 'undefined') throw new InputError('image input: without OffscreenCanvas only { data, width, height } pixels can be read');
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: true }) ?? undefined;
      if (!this.ctx) throw new InputError('image input: could not get a 2D context on an OffscreenCanvas');
    }
    const ctx = this.ctx!;
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(s as CanvasImageSource, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height);
  }
}
