// `sepconv summary | validate | run` on a .tflite: run --output-dir writes every output as DIR/<name>.npy under
// the flatbuffer's tensor names, with the same values the API gives for the same input.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli/index.js';
import { captureIo } from '../src/cli/io.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { load } from '../src/model.js';
import { ROOT } from './support/fixtures.js';

const MODEL = join(ROOT, 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite');
const dir = mkdtempSync(join(tmpdir(), 'sepconv-tflite-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('sepconv CLI on .tflite', () => {
  test('summary lists the lowered layers', async () => {
    const { code, out, err } = await cli('summary', MODEL);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/ConvTranspose/);
    expect(out).toMatch(/Total params: /);
  });

  test('run --output-dir writes segment_back.npy, equal to the API output on the same input', async () => {
    const x = Float32Array.from({ length: 144 * 256 * 3 }, (_, i) => ((i * 7919) % 1000) / 1000);
    const input = join(dir, 'x.npy');
    writeFileSync(input, writeNpy({ shape: [1, 144, 256, 3], data: x }));
    const out = join(dir, 'out');
    const r = await cli('run', MODEL, '--input', input, '--output-dir', out, '--backend', 'cpu', '--runs', '1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/output segment_back: \[1, 144, 256, 1\]/);
    expect(readdirSync(out)).toEqual(['segment_back.npy']);
    const got = readNpy(new Uint8Array(readFileSync(join(out, 'segment_back.npy'))), 'segment_back.npy');
    const m = await load(MODEL, { backend: 'cpu' });
    const want = (await m.run({ input_1: x })).get('segment_back')!;
    m.dispose();
    expect(got.shape).toEqual([1, 144, 256, 1]);
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data));
  }, 60_000);

  test('validate runs every layer on WebGPU against the CPU reference', async () => {
    const r = await cli('validate', MODEL);
    expect(r.code, r.out + r.err).toBe(0);
  }, 300_000);
});
