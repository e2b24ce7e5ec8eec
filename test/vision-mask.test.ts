// Mask output helpers: maskToImageData (CPU) and GpuMaskRenderer's pass (Dawn, into a texture) against a direct
// reference: bilinear sample of the mask (pixel centres, clamp to edge), alpha = clamp(m)·alpha or the threshold
// step, premultiplied colour on the GPU. Tolerance: one 8-bit level.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { GpuMaskRenderer, maskRegion, maskSize, maskToImageData } from '../src/vision/mask.js';
import { placement, resolveImageOptions } from '../src/vision/options.js';
import { getTestDevice } from './support/gpu.js';

const MW = 7;
const MH = 5;
const mask = Float32Array.from({ length: MW * MH }, (_, i) => ((i * 37) % 23) / 18 - 0.1); // some values outside [0, 1]
const COLOR = [30, 200, 120] as const;

function reference(outW: number, outH: number, alpha: number, threshold?: number): Uint8Array {
  const at = (x: number, y: number) => mask[Math.min(Math.max(y, 0), MH - 1) * MW + Math.min(Math.max(x, 0), MW - 1)]!;
  const out = new Uint8Array(outW * outH * 4);
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++) {
      const u = ((x + 0.5) * MW) / outW - 0.5;
      const v = ((y + 0.5) * MH) / outH - 0.5;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      const m = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      const a = threshold === undefined ? Math.min(1, Math.max(0, m)) * alpha : m >= threshold ? alpha : 0;
      const i = 4 * (y * outW + x);
      COLOR.forEach((c, k) => (out[i + k] = Math.round(c * a)));
      out[i + 3] = Math.round(a * 255);
    }
  return out;
}

describe('mask helpers', () => {
  it('maskToImageData: colour, alpha from the probability or the threshold, for [1,H,W,1] and [1,1,H,W]', () => {
    globalThis.ImageData ??= class {
      data: Uint8ClampedArray;
      constructor(readonly width: number, readonly height: number) {
        this.data = new Uint8ClampedArray(width * height * 4);
      }
    } as unknown as typeof ImageData;
    for (const shape of [[1, MH, MW, 1], [1, 1, MH, MW]]) {
      const soft = maskToImageData({ shape, data: mask }, { alpha: 0.5, color: COLOR });
      const hard = maskToImageData({ shape, data: mask }, { threshold: 0.5, alpha: 1, color: COLOR });
      expect([soft.width, soft.height]).toEqual([MW, MH]);
      for (let i = 0; i < MW * MH; i++) {
        expect(soft.data[4 * i + 3]).toBe(Math.round(Math.min(1, Math.max(0, mask[i]!)) * 0.5 * 255));
        expect(hard.data[4 * i + 3]).toBe(mask[i]! >= 0.5 ? 255 : 0);
        expect(Array.from(soft.data.subarray(4 * i, 4 * i + 3))).toEqual([...COLOR]);
      }
    }
    expect(() => maskSize([1, 4, 4, 3])).toThrow(InputError);
    expect(() => maskToImageData({ shape: [4, 4], data: new Float32Array(16) }, { alpha: 2 })).toThrow(/alpha/);
  });

  it('maskRegion inverts the letterbox: the part of the mask that covers the source', () => {
    const o = resolveImageOptions({ width: 256, height: 256, resize: 'letterbox' });
    const p = placement(640, 480, o); // content 256×192 at y = 32
    expect(maskRegion(p, 640, 480, o, { width: 256, height: 256 })).toEqual({ x: 0, y: 32, w: 256, h: 192 });
    expect(maskRegion(p, 640, 480, o, { width: 128, height: 128 })).toEqual({ x: 0, y: 16, w: 128, h: 96 });
  });

  it.each([
    ['soft', undefined, 0.6],
    ['threshold', 0.5, 0.8],
  ])('GpuMaskRenderer (%s) matches the reference, upsampling 7×5 to 13×9', async (_n, threshold, alpha) => {
    const { device } = await getTestDevice();
    const OW = 13;
    const OH = 9;
    const buffer = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, mask);
    const texture = device.createTexture({ size: [OW, OH], format: 'rgba8unorm', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
    const read = device.createBuffer({ size: 256 * OH, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const r = new GpuMaskRenderer(device, texture);
    try {
      await r.draw({ buffer, width: MW, height: MH, strides: { y: MW, x: 1 } }, { x: 0, y: 0, w: MW, h: MH }, { threshold, alpha, color: COLOR });
      const enc = device.createCommandEncoder();
      enc.copyTextureToBuffer({ texture }, { buffer: read, bytesPerRow: 256 }, [OW, OH]);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const rows = new Uint8Array(read.getMappedRange().slice(0));
      read.unmap();
      const ref = reference(OW, OH, alpha, threshold);
      let worst = 0;
      for (let y = 0; y < OH; y++) for (let i = 0; i < OW * 4; i++) worst = Math.max(worst, Math.abs(rows[y * 256 + i]! - ref[y * OW * 4 + i]!));
      expect(worst).toBeLessThanOrEqual(1);
      expect(r.passes).toBe(1);
    } finally {
      r.dispose();
      buffer.destroy();
      texture.destroy();
      read.destroy();
    }
  });
});
