// Reference outputs for the TFLite importer from LiteRT.js (Google's web runtime for .tflite) in headless
// Chromium, and the model inputs they are computed from (the astronaut photo, resized), both handed back to
// the Node test (test/tflite-models.test.ts), which runs sepconv on the very same input.
import { loadAndCompile, loadLiteRt, Tensor, type CompiledModel } from '@litertjs/core';
import { resizeBilinear } from '../support/tflite-input.js';

const WASM_DIR = '/node_modules/@litertjs/core/wasm/';
let ready: Promise<unknown> | undefined;

/** RGB bytes of an image URL, exactly as stored (no colour management, no premultiplication). */
async function rgbOf(url: string): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const blob = await (await fetch(url)).blob();
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const rgba = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  const rgb = new Uint8Array(bmp.width * bmp.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return { rgb, width: bmp.width, height: bmp.height };
}

function toBase64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface RefResult {
  input: string;
  inputShape: number[];
  outputs: { name: string; shape: number[]; data: string }[];
  accelerator: string;
  ms: number;
}

/**
 * Runs `modelUrl` in LiteRT.js on the photo at `photoUrl` resized (bilinear, half-pixel) to the model's input
 * and mapped from [0, 255] to [lo, hi]. Float32 arrays travel back as base64.
 */
export async function runReference(modelUrl: string, photoUrl: string, lo: number, hi: number, accelerator: 'wasm' | 'webgpu' = 'wasm'): Promise<RefResult> {
  ready ??= loadLiteRt(WASM_DIR);
  await ready;
  const model: CompiledModel = await loadAndCompile(modelUrl, { accelerator });
  try {
    const [details] = model.getInputDetails();
    const shape = Array.from(details!.shape);
    const [, h, w] = shape as [number, number, number, number];
    const photo = await rgbOf(photoUrl);
    const input = resizeBilinear(photo.rgb, photo.width, photo.height, w, h, lo, hi);
    const t0 = performance.now();
    const x = new Tensor(input, shape);
    const outs = await model.run([x]);
    x.delete();
    const outputs = [];
    for (const [k, o] of outs.entries()) {
      const host = await o.moveTo('wasm');
      const data = new Float32Array(host.toTypedArray() as Float32Array);
      outputs.push({ name: model.getOutputDetails()[k]!.name, shape: Array.from(host.type.layout.dimensions as ArrayLike<number>), data: toBase64(data) });
      host.delete();
    }
    return { input: toBase64(input), inputShape: shape, outputs, accelerator, ms: performance.now() - t0 };
  } finally {
    model.delete();
  }
}
