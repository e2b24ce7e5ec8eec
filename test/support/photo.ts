import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { sampleBilinear } from './tflite-input.js';

/** Decodes an 8-bit, non-interlaced PNG (grey, RGB or RGBA) to RGB bytes. Enough for the test photo. */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Uint8Array[] = [];
  while (off < bytes.length) {
    const len = v.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const body = bytes.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = v.getUint32(off + 8);
      height = v.getUint32(off + 12);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs are supported');
      colorType = body[9]!;
    } else if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 6: 4 }[colorType];
  if (!channels) throw new Error(`PNG colour type ${colorType} is not supported`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? px[y * stride + i - channels]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? px[(y - 1) * stride + i - channels]! : 0;
      let p = src[i]!;
      if (f === 1) p += a;
      else if (f === 2) p += b;
      else if (f === 3) p += (a + b) >> 1;
      else if (f === 4) {
        const q = a + b - c;
        const pa = Math.abs(q - a);
        const pb = Math.abs(q - b);
        const pc = Math.abs(q - c);
        p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + i] = p & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++)
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = px[i * channels + (channels === 1 ? 0 : c)]!;
  return { width, height, rgb };
}

/**
 * The test photo resized (bilinear, half-pixel centres) to h×w with `channels` 3 (RGB) or 1 (grey, BT.601
 * luma), as NHWC values: floats in [0, 1], or integers 0–255 when `int`.
 */
export function photoInput(h: number, w: number, channels: number, int: boolean, path = 'fixtures/photos/astronaut.png'): Float32Array {
  const { width: sw, height: sh, rgb } = decodePng(readFileSync(path));
  const out = new Float32Array(h * w * channels);
  const px = [0, 0, 0];
  const store = (i: number, c: number, v: number) => (out[i * channels + c] = int ? Math.round(v) : v / 255);
  sampleBilinear(rgb, sw, sh, w, h, (i, c, v) => {
    if (channels === 3) return store(i, c, v);
    px[c] = v;
    if (c === 2) store(i, 0, 0.299 * px[0]! + 0.587 * px[1]! + 0.114 * px[2]!);
  });
  return out;
}
