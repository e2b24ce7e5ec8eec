import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../src/errors.js';
import { captureIo } from '../src/cli/io.js';
import { runCommand } from '../src/cli/run.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { load } from '../src/model.js';
import { importTfjs } from '../src/tfjs/index.js';
import { syntheticSeeds } from '../scripts/fuzz-tfjs.js';

const seed = (name: string) => syntheticSeeds().find((s) => s.name === name)!;
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('TF.js import: manifest, shards, errors', () => {
  it('a short shard names the weight and the shard', () => {
    const s = seed('conv');
    const short = [[s.shards[0]![0]!, s.shards[0]![1]!.subarray(0, 10)]];
    const e = errorOf(() => importTfjs(s.json, short));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/weight "w1" \(from shard "conv\.shard1\.bin"\) needs bytes .* shard "conv\.shard2\.bin" is short/);
  });

  it('a missing shard and an unknown dtype are ModelFormatErrors naming them', () => {
    const s = seed('conv');
    expect(errorOf(() => importTfjs(s.json, [[s.shards[0]![0]!]])).message).toMatch(/shard "conv\.shard2\.bin" .* is missing/);
    const j = JSON.parse(s.json);
    j.weightsManifest[0].weights[1].dtype = 'complex64';
    const e = errorOf(() => importTfjs(JSON.stringify(j), s.shards));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/weight "b1" \(shard conv\.shard\d\.bin\) has dtype "complex64"/);
  });

  it('lists every unsupported op type once, with one node each, before decoding weights', () => {
    const s = seed('conv');
    const j = JSON.parse(s.json);
    const nodes = j.modelTopology.node;
    nodes.push({ name: 'sw1', op: 'Switch', input: ['x', 'x'] }, { name: 'sw2', op: 'Switch', input: ['x', 'x'] }, { name: 'nms', op: 'NonMaxSuppressionV5', input: ['x'] });
    const e = errorOf(() => importTfjs(JSON.stringify(j), [])) as UnsupportedOpError;
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.unsupported.map((u) => `${u.op}@${u.node}`)).toEqual(['Switch@sw1', 'NonMaxSuppressionV5@nms']);
  });

  it('loads from a path (shards beside it, progress reported), from memory, with int32 input, same answers', async () => {
    const s = seed('int');
    const dir = mkdtempSync(join(tmpdir(), 'tfjs-'));
    writeFileSync(join(dir, 'model.json'), s.json);
    const j = JSON.parse(s.json);
    j.weightsManifest[0].paths.forEach((p: string, k: number) => writeFileSync(join(dir, p), s.shards[0]![k]!));
    const progress: number[][] = [];
    const a = await load(join(dir, 'model.json'), { backend: 'cpu', onProgress: (l, t) => progress.push([l, t]) });
    const b = await load({ modelJson: s.json, weights: s.shards[0]! }, { backend: 'cpu' });
    expect(a.format).toBe('tfjs');
    expect(a.inputs).toEqual([{ name: 'x', shape: [1, 6, 6, 3], dtype: 'int32' }]);
    expect(progress[progress.length - 1]![0]).toBe(progress[0]![1]);
    const x = { shape: [1, 6, 6, 3], data: Int32Array.from({ length: 108 }, (_, i) => (i * 37) % 256) };
    const ya = (await a.predict({ x })).get('Identity')!;
    const yb = (await b.predict({ x })).get('Identity')!;
    expect([...ya.shape]).toEqual([3]);
    expect(Array.from(ya.data)).toEqual(Array.from(yb.data));
  });

  it('writes and reads int32 .npy (<i4)', () => {
    const t = { shape: [2, 2], data: Int32Array.from([1, -2, 3, 2 ** 30]) };
    const bytes = writeNpy(t);
    expect(new TextDecoder().decode(bytes.subarray(0, 64))).toContain("'<i4'");
    expect(Array.from(readNpy(bytes).data)).toEqual([1, -2, 3, 2 ** 30]);
  });

  it('CLI run takes model.json and --output-dir writes every output under its TF.js name, sanitised', async () => {
    const s = seed('int');
    const dir = mkdtempSync(join(tmpdir(), 'tfjs-cli-'));
    const j = JSON.parse(s.json);
    for (const n of j.modelTopology.node) if (n.name === 'Identity') n.name = 'tower_0/wh:x';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
    j.weightsManifest[0].paths.forEach((p: string, k: number) => writeFileSync(join(dir, p), s.shards[0]![k]!));
    const io = captureIo();
    const code = await runCommand.run([join(dir, 'model.json'), '--backend', 'cpu', '--runs', '1', '--output-dir', join(dir, 'out')], io);
    expect(code, io.stderr.join('\n')).toBe(0);
    const file = join(dir, 'out', 'tower_0_wh_x.npy');
    expect(existsSync(file), io.stdout.join('\n')).toBe(true);
    expect(readNpy(new Uint8Array(readFileSync(file))).shape).toEqual([3]);
  });
});
