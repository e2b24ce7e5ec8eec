// Float64 references for the second stage of MediaPipe's landmark pipelines (pose, hands): the rotated ROI's
// projection (LandmarkProjectionCalculator) and ImageToTensor's GL crop, written from MediaPipe's calculators.
import { readFileSync } from 'node:fs';
import { decodePng } from './photo.js';

export type Image = { data: Uint8Array; width: number; height: number };

/** A PNG file as RGB pixels. */
export function pngImage(path: string): Image {
  const p = decodePng(readFileSync(path));
  return { data: p.rgb, width: p.width, height: p.height };
}

/** A square ROI in source pixels: centre, side, rotation (radians, clockwise in image coordinates). */
export interface RefRoi { cx: number; cy: number; side: number; angle: number }

/** Crop-normalised (u, v) → source pixels (LandmarkProjectionCalculator). */
export function projectRef(r: RefRoi, u: number, v: number): [number, number] {
  const [x, y] = [(u - 0.5) * r.side, (v - 0.5) * r.side];
  return [r.cx + Math.cos(r.angle) * x - Math.sin(r.angle) * y, r.cy + Math.sin(r.angle) * x + Math.cos(r.angle) * y];
}

/**
 * ImageToTensor's GL converter (the web solutions' graphs): the fragment at tensor pixel centre ((u + ½)/size, (v + ½)/size)
 * samples the texture at that point of the ROI; a texture's texel k is centred at k + ½ in pixels. Bilinear, clamp to
 * edge, [0, 1].
 */
export function warpRef(img: Image, r: RefRoi, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  const px = (x: number, y: number, k: number) => img.data[(Math.min(Math.max(y, 0), img.height - 1) * img.width + Math.min(Math.max(x, 0), img.width - 1)) * 3 + k]!;
  for (let v = 0; v < size; v++)
    for (let u = 0; u < size; u++) {
      const [tx, ty] = projectRef(r, (u + 0.5) / size, (v + 0.5) / size);
      const [sx, sy] = [tx - 0.5, ty - 0.5];
      const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
      const [fx, fy] = [sx - x0, sy - y0];
      for (let k = 0; k < 3; k++)
        out[(v * size + u) * 3 + k] = ((1 - fy) * ((1 - fx) * px(x0, y0, k) + fx * px(x0 + 1, y0, k)) + fy * ((1 - fx) * px(x0, y0 + 1, k) + fx * px(x0 + 1, y0 + 1, k))) / 255;
    }
  return out;
}

/** Turned 90° clockwise: output (x, y) is input (y, H − 1 − x). */
export function turn90(img: Image): Image {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) out.set(data.subarray(((h - 1 - x) * w + y) * 3, ((h - 1 - x) * w + y) * 3 + 3), (y * h + x) * 3);
  return { data: out, width: h, height: w };
}

/** `img` and its mirror image side by side (a left and a right hand from one hand photo). */
export function withMirror(img: Image): Image {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(2 * w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const src = data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3);
      out.set(src, (y * 2 * w + x) * 3);
      out.set(src, (y * 2 * w + 2 * w - 1 - x) * 3);
    }
  return { data: out, width: 2 * w, height: h };
}

/** `img` (RGB) moved right by `dx` pixels, the left column repeated into the gap. */
export function shifted(img: Image, dx: number): Image {
  const { width, height, data: rgb } = img;
  const data = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const from = 3 * (y * width + Math.min(width - 1, Math.max(0, x - dx)));
      data.set(rgb.subarray(from, from + 3), 3 * (y * width + x));
    }
  return { data, width, height };
}
