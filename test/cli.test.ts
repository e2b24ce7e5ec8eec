import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseArgs, parseInputShapes, parseShape, UsageError } from '../src/cli/args.js';
import { compareCommand } from '../src/cli/compare.js';
import { COMMANDS, main } from '../src/cli/index.js';
import { captureIo } from '../src/cli/io.js';
import { summaryCommand } from '../src/cli/summary.js';
import { ROOT } from './support/fixtures.js';

const example = (name: string) => join(ROOT, 'examples', `${name}.onnx`);

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('sepconv summary', () => {
  test('seed_separable_16x32.onnx prints the torchinfo figures', async () => {
    const { code, out, err } = await cli('summary', example('seed_separable_16x32'));
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    for (const line of [
      'Total params: 656',
      'Total mult-adds (M): 10.75',
      'Input size (MB): 1.05',
      'Forward/backward pass size (MB): 6.29',
      'Params size (MB): 0.00',
      'Estimated Total Size (MB): 7.34',
    ])
      expect(lines).toContain(line);
    expect(out).toMatch(/Conv \(depthwise 3x3\): \S+ +\[1, 16, 128, 128\] +144 +2,359,296/);
    expect(out).toMatch(/Conv \(pointwise\): \S+ +\[1, 32, 128, 128\] +512 +8,388,608/);
  });

  test('regular and separable 3->64 k5 s2 seeds: 4,864 vs 334 params', async () => {
    const reg = await cli('summary', example('seed_regular_3x64_k5s2'));
    expect(reg.out).toMatch(/Conv 5x5 s2: \S+ +\[1, 64, 112, 112\] +4,864 +61,014,016/);
    expect(reg.out).toContain('Total params: 4,864');
    const sep = await cli('summary', example('seed_separable_3x64_k5s2'));
    expect(sep.out).toMatch(/Conv \(depthwise 5x5 s2\): \S+ +\[1, 3, 112, 112\] +78 /);
    expect(sep.out).toMatch(/Conv \(pointwise\): \S+ +\[1, 64, 112, 112\] +256 /);
    expect(sep.out).toContain('Total params: 334');
  });

  test('3->128 k3 on 7x7: 86,400 vs 675 + 9,600 mult-adds', async () => {
    expect((await cli('summary', example('seed_regular_3x128_k3_7x7'))).out).toContain('Total mult-adds: 86,400');
    const sep = (await cli('summary', example('seed_separable_3x128_k3_7x7'))).out;
    expect(sep).toMatch(/\[1, 3, 5, 5\] +27 +675\n/);
    expect(sep).toMatch(/\[1, 128, 5, 5\] +384 +9,600\n/);
    expect(sep).toContain('Total mult-adds: 10,275');
  });

  test('--input-shape binds a symbolic batch dimension', async () => {
    const model = join(ROOT, 'fixtures', 'flatten_view_shape_subgraph', 'model.onnx');
    const missing = await cli('summary', model);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/InputError: input "input" has symbolic shape \[batch, 3, 5, 6\]; .*--input-shape 1x3x5x6/);
    const given = await cli('summary', model, '--input-shape', '4x3x5x6');
    expect(given.code).toBe(0);
    expect(given.out).toContain('Input: input [4, 3, 5, 6]');
    expect(given.out).toMatch(/Gemm: \S+ +\[4, 7\]/);
  });

  test('a shape that contradicts the model is an InputError (exit 1)', async () => {
    const r = await cli('summary', example('seed_separable_16x32'), '--input-shape=1x3x128x128');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^sepconv summary: InputError: input "input": expected shape \[1, 16, 128, 128\]/);
  });

  test('a missing file is a FileReadError (exit 1)', async () => {
    const r = await cli('summary', join(ROOT, 'examples', 'nope.onnx'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/FileReadError: cannot read ".*nope\.onnx": no such file/);
  });

  test('a file that is not ONNX is a ModelFormatError (exit 1)', async () => {
    const r = await cli('summary', join(ROOT, 'package.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ModelFormatError: /);
  });

  test('usage errors exit 2 and print the usage', async () => {
    for (const argv of [
      ['summary'],
      ['summary', 'a.onnx', 'b.onnx'],
      ['summary', example('seed_separable_16x32'), '--bogus'],
      ['summary', example('seed_separable_16x32'), '--input-shape', '1xAx3'],
      ['summary', example('seed_separable_16x32'), '--input-shape'],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('usage: sepconv summary');
      expect(r.out).toBe('');
    }
  });
});

describe('sepconv compare', () => {
  test('defaults: 6 steps from 128x128 and 32 channels, about 11.6 % on average', async () => {
    const { code, out } = await cli('compare');
    expect(code).toBe(0);
    expect(out).toMatch(/^1 +32->64 +128x128 +18,432 +301,989,888 +2,336 +38,273,024 +12\.67 +12\.67 +12\.67$/m);
    expect(out).toMatch(/^6 +1024->2048 +4x4 +18,874,368 +301,989,888 +2,106,368 +33,701,888 +11\.16 +11\.16 +11\.16$/m);
    expect(out).toContain('Average size of separable vs regular: 11.62 %');
    expect(out).toContain('Average cost of separable vs regular: 11.62 %');
  });

  test('options change the pyramid', async () => {
    const { out } = await cli('compare', '--input', '64', '--k', '5', '--start', '8', '--steps', '3');
    expect(out).toMatch(/^3 +32->64 +16x16 +51,200 /m);
    expect(out).not.toMatch(/^4 /m);
  });

  test('--layer compares one layer: 3x64 k5 s2 with bias on 228x228 saves 93.13 %', async () => {
    const { code, out } = await cli('compare', '--layer', '3x64', '--k', '5', '--stride', '2', '--input', '228', '--bias');
    expect(code).toBe(0);
    expect(out).toContain('Conv 3->64 k5 on [1, 3, 228, 228] -> [1, 64, 112, 112]');
    expect(out).toMatch(/^regular +4,864 +61,014,016$/m);
    expect(out).toMatch(/^separable +334 +4,189,696$/m);
    expect(out).toContain('Parameter reduction: 93.13 %');
  });

  test('bad values are usage errors (2); impossible pyramids are InputErrors (1)', async () => {
    expect((await cli('compare', '--k', 'three')).code).toBe(2);
    expect((await cli('compare', '--stride', '2')).code).toBe(2);
    expect((await cli('compare', '--layer', '3-64')).code).toBe(2);
    const r = await cli('compare', '--input', '100', '--steps', '4');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/InputError: input size 100 cannot be halved 3 times/);
  });
});

describe('dispatch and parsing', () => {
  test('--help lists every command; no command is a usage error', async () => {
    const h = await cli('--help');
    expect(h.code).toBe(0);
    for (const c of COMMANDS) expect(h.out).toMatch(new RegExp(`^  ${c.name} `, 'm'));
    expect((await cli()).code).toBe(2);
    const u = await cli('frobnicate');
    expect(u.code).toBe(2);
    expect(u.err).toContain('unknown command "frobnicate"');
  });

  test('each command answers --help with its usage', async () => {
    for (const c of [summaryCommand, compareCommand]) {
      const io = captureIo();
      expect(await c.run(['--help'], io)).toBe(0);
      expect(io.stdout.join('')).toBe(c.usage);
    }
  });

  test('argument parsing', () => {
    const p = parseArgs(['m.onnx', '--k=5', '--bias', '--input-shape', 'a=1x2', '--input-shape', 'b=3x4'], {
      k: 'string',
      bias: 'boolean',
      'input-shape': 'string[]',
    });
    expect(p.positionals).toEqual(['m.onnx']);
    expect(p.flags.get('k')).toBe('5');
    expect(p.flags.get('bias')).toBe(true);
    expect(parseInputShapes(p.flags.get('input-shape') as string[])).toEqual({ a: [1, 2], b: [3, 4] });
    expect(parseShape('1x3x224x224')).toEqual([1, 3, 224, 224]);
    expect(() => parseShape('1x0')).toThrow(UsageError);
    expect(() => parseArgs(['--bias=1'], { bias: 'boolean' })).toThrow(/takes no value/);
    expect(() => parseInputShapes(['1x2', 'b=3x4'])).toThrow(/name each one/);
  });
});
