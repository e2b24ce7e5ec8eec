// The image input helper in Node: raw pixels ({ data, width, height }, RGBA and RGB) through the CPU path and
// through the WebGPU pass (Dawn, writeTexture), every resize mode × layout × dtype × channel order, against the
// float64 reference in support/vision-ref.ts. The browser source types are in vision-browser.test.ts.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { placement, resolveImageOptions, toSourceNormalised } from '../src/vision/options.js';
import { getTestDevice } from './support/gpu.js';
import { compareImage, OPTION_CASES, referenceTensor, testImage } from './support/vision-ref.js';
import { cpuConvert, gpuConvert } from './support/vision-run.js';

const rgba = testImage(37, 23);
const rgb = { data: new Uint8Array(37 * 23 * 3), width: 37, height: 23 };
for (let i = 0; i < 37 * 23; i++) for (let k = 0; k < 3; k++) rgb.data[3 * i + k] = rgba.data[4 * i + k]!;

describe('image input, CPU path', () => {
  it.each(OPTION_CASES)('$name ($width×$height) from 37×23 RGBA', ({ name, o, width, height }) => {
    const opts = { ...o, width, height };
    const r = compareImage(name, cpuConvert(rgba, opts), referenceTensor(rgba, opts), o.dtype ?? 'float32');
    expect(r, r.first).toMatchObject({ ok: true });
  });

  it('RGB pixels give the same tensor as RGBA', () => {
    const opts = { width: 16, height: 29, resize: 'letterbox' as const };
    expect(Array.from(cpuConvert(rgb, opts))).toEqual(Array.from(cpuConvert(rgba, opts)));
  });

  it('the identity size reproduces the pixels exactly', () => {
    const out = cpuConvert(rgba, { width: 37, height: 23, dtype: 'int32' });
    for (let i = 0; i < 37 * 23; i++) for (let k = 0; k < 3; k++) expect(out[3 * i + k]).toBe(rgba.data[4 * i + k]);
  });

  it('maps model coordinates back to the source through letterbox and crop', () => {
    for (const resize of ['letterbox', 'crop'] as const) {
      const o = resolveImageOptions({ width: 64, height: 64, resize });
      const p = placement(200, 100, o);
      // the centre stays the centre; the letterbox's top edge of content is the source's top edge
      expect(toSourceNormalised(p, 200, 100, o, 0.5, 0.5)).toEqual([0.5, 0.5]);
      if (resize === 'letterbox') expect(toSourceNormalised(p, 200, 100, o, 0, p.dst.y / 64)[1]).toBeCloseTo(0, 9);
      else expect(toSourceNormalised(p, 200, 100, o, 0, 0)[0]).toBeCloseTo(0.25, 9);
    }
  });

  it('rejects bad options and sources with a typed error', () => {
    expect(() => resolveImageOptions({ width: 0, height: 4 })).toThrow(InputError);
    expect(() => resolveImageOptions({ width: 4, height: 4, dtype: 'int32', mean: 1 })).toThrow(/float32 only/);
    expect(() => resolveImageOptions({ width: 4, height: 4, std: [1, 0, 1] })).toThrow(/std/);
    expect(() => resolveImageOptions({ width: 4, height: 4, mean: [1, 2] })).toThrow(/mean needs 3/);
    expect(() => cpuConvert({ data: new Uint8Array(10), width: 3, height: 3 }, { width: 2, height: 2 })).toThrow(/neither RGBA nor RGB/);
    expect(() => cpuConvert({ data: new Uint8Array(0), width: 0, height: 3 }, { width: 2, height: 2 })).toThrow(/no pixels yet/);
  });
});

describe('image input, WebGPU pass (Dawn)', () => {
  it.each(OPTION_CASES)('$name ($width×$height) from 37×23 RGBA', async ({ name, o, width, height }) => {
    const { device } = await getTestDevice();
    const opts = { ...o, width, height };
    const { data, passes } = await gpuConvert(device, rgba, opts);
    expect(passes).toBe(1);
    const r = compareImage(name, data, referenceTensor(rgba, opts), o.dtype ?? 'float32');
    expect(r, r.first).toMatchObject({ ok: true });
  });

  it('RGB pixels, and writing at arbitrary strides and an offset (a model buffer in device layout)', async () => {
    const { device } = await getTestDevice();
    const opts = { width: 16, height: 29, layout: 'nhwc' as const };
    const ref = referenceTensor(rgba, opts);
    // (y, x, c) → offset + x·(29·3) + y·3 + c: a transposed image after 5 elements of something else
    const strides = { y: 3, x: 29 * 3, c: 1 };
    const { data } = await gpuConvert(device, rgb, opts, { strides, offset: 5, elements: 5 + 16 * 29 * 3 });
    const gathered = new Float32Array(16 * 29 * 3);
    for (let y = 0; y < 29; y++) for (let x = 0; x < 16; x++) for (let c = 0; c < 3; c++) gathered[(y * 16 + x) * 3 + c] = data[5 + y * strides.y + x * strides.x + c]!;
    const r = compareImage('strided', gathered, ref, 'float32');
    expect(r, r.first).toMatchObject({ ok: true });
    expect(Array.from(data.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
  });
});
