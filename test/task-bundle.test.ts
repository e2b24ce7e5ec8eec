// MediaPipe .task bundles (a zip of .tflite files and metadata): load() finds the model inside, stored or
// deflated, an option picks one of several, and hostile archives are ModelFormatErrors naming the entry.
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../src/errors.js';
import { load } from '../src/model.js';
import { tfliteFromTask } from '../src/task-bundle.js';
import { zipEntries } from '../src/zip.js';
import { TFLITE_MODELS, modelBytes } from './support/tflite-ref.js';
import { buildZip, type ZipLayout } from './support/zip-build.js';

const face = modelBytes(TFLITE_MODELS[0]!);
const seg = modelBytes(TFLITE_MODELS[2]!);
const meta = new TextEncoder().encode('{"task": "face_detector", "labels": ["face"]}');

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

const put32 = (z: ZipLayout, at: number, v: number) => new DataView(z.bytes.buffer).setUint32(at, v, true);
const put16 = (z: ZipLayout, at: number, v: number) => new DataView(z.bytes.buffer).setUint16(at, v, true);

describe('.task bundles', () => {
  it.each(['store', 'deflate'] as const)('load() runs the .tflite inside a %s bundle, with the same outputs as the bare file', async (method) => {
    const task = buildZip([
      { name: 'metadata.json', data: meta, method },
      { name: 'face_detector.tflite', data: face, method },
    ]).bytes;
    const x = rand(128 * 128 * 3, 7);
    const bare = await load(face, { backend: 'cpu' });
    const bundled = await load(task, { backend: 'cpu' });
    expect(bundled.format).toBe('tflite');
    expect(bundled.inputs).toEqual(bare.inputs);
    const [a, b] = [await bare.run({ input: x }), await bundled.run({ input: x })];
    for (const [k, v] of a) expect(b.get(k)!.data).toEqual(v.data);
    bare.dispose();
    bundled.dispose();
  });

  it('several models: the taskEntry option picks one; without it the error lists them', async () => {
    const task = buildZip([
      { name: 'face_detector.tflite', data: face },
      { name: 'sub/selfie.tflite', data: seg, method: 'deflate' },
      { name: 'metadata.json', data: meta },
    ]).bytes;
    await expect(load(task, { backend: 'cpu' })).rejects.toThrow(/holds 2 \.tflite models \("face_detector\.tflite", "sub\/selfie\.tflite"\); name one with the taskEntry option/);
    const m = await load(task, { backend: 'cpu', taskEntry: 'sub/selfie.tflite' });
    expect(m.inputs[0]!.shape).toEqual([1, 256, 256, 3]);
    m.dispose();
    await expect(load(task, { taskEntry: 'nope.tflite' })).rejects.toThrow(/has no entry "nope\.tflite"; its entries: "face_detector\.tflite", "sub\/selfie\.tflite", "metadata\.json"/);
    await expect(load(task, { taskEntry: 'metadata.json' })).rejects.toThrow(/entry "metadata\.json" is not a \.tflite model/);
  });

  it('a bundle without a model, and an empty archive, say what they hold', async () => {
    await expect(load(buildZip([{ name: 'labels.txt', data: meta }]).bytes)).rejects.toThrow(/holds no \.tflite model; its entries: "labels\.txt"/);
    await expect(load(buildZip([]).bytes)).rejects.toThrow(/holds no \.tflite model; its entries: none/);
  });

  describe('hostile archives are ModelFormatErrors naming the entry, never a hang or a huge allocation', () => {
    const two = () => buildZip([
      { name: 'a.tflite', data: face, method: 'deflate' },
      { name: 'b.json', data: meta },
    ]);
    // [case, corruption, error, the entry extracted (default a.tflite)]
    const cases: [string, (z: ZipLayout) => Uint8Array, RegExp, string?][] = [
      ['a huge declared size', (z) => (put32(z, z.entries[0]!.central + 24, 0x7fffffff), z.bytes), /entry "a\.tflite" declares 2147483647 bytes/],
      ['a size beyond deflate\'s ratio', (z) => (put32(z, z.entries[0]!.central + 24, 2 ** 29), z.bytes), /entry "a\.tflite" declares 536870912 bytes from \d+ deflated, beyond deflate's 1032:1 ratio/],
      ['a zip bomb (declared smaller than it inflates)', (z) => (put32(z, z.entries[0]!.central + 24, 1000), z.bytes), /entry "a\.tflite" inflates to more than its declared 1000 bytes/],
      ['a declared size larger than the data', (z) => (put32(z, z.entries[0]!.central + 24, face.length + 1), z.bytes), /entry "a\.tflite" inflates to \d+ bytes; the directory declares/],
      ['overlapping entries', (z) => (put32(z, z.entries[1]!.central + 42, 100), z.bytes), /overlaps|no local header/],
      ['a compressed size past the next entry', (z) => (put32(z, z.entries[0]!.central + 20, z.bytes.length), z.bytes), /entry "a\.tflite" .*overlaps entry "b\.json"/],
      ['a truncated central directory', (z) => z.bytes.subarray(0, z.cdOffset + 20), /no end-of-central-directory record/],
      ['a directory past its end record', (z) => (put32(z, z.eocd + 12, 1e6), z.bytes), /runs past its end record/],
      ['an entry count larger than the directory', (z) => (put16(z, z.eocd + 8, 9000), put16(z, z.eocd + 10, 9000), z.bytes), /9000 entries cannot fit/],
      ['a corrupt byte (CRC)', (z) => (z.bytes[z.entries[1]!.local + 30 + 6 + 3]! ^= 1, z.bytes), /entry "b\.json" has CRC-32/, 'b.json'],
      ['an unknown method', (z) => (put16(z, z.entries[0]!.central + 10, 14), z.bytes), /entry "a\.tflite" uses compression method 14/],
      ['an encrypted entry', (z) => (put16(z, z.entries[0]!.central + 8, 1), z.bytes), /entry "a\.tflite" is encrypted/],
      ['ZIP64 sizes', (z) => (put32(z, z.entries[0]!.central + 20, 0xffffffff), z.bytes), /entry "a\.tflite" uses ZIP64/],
      ['broken deflate data', (z) => (z.bytes.fill(0xff, z.entries[0]!.local + 40, z.entries[0]!.local + 400), z.bytes), /entry "a\.tflite" (is not valid deflate data|inflates to|has CRC-32)/],
    ];
    it.each(cases)('%s', async (_, corrupt, message, entry = 'a.tflite') => {
      const bytes = corrupt(two());
      const t0 = performance.now();
      const err = await tfliteFromTask(bytes, entry).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelFormatError);
      expect((err as Error).message).toMatch(message);
      expect(performance.now() - t0).toBeLessThan(5000);
    });
  });

  it('the directory lists the entries with their sizes', () => {
    const z = buildZip([{ name: 'x.tflite', data: face }, { name: 'm.json', data: meta, method: 'deflate' }]);
    expect(zipEntries(z.bytes).map((e) => [e.name, e.method, e.size])).toEqual([['x.tflite', 0, face.length], ['m.json', 8, meta.length]]);
  });
});
