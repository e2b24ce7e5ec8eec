// The validation harness: every committed PyTorch fixture passes layer by layer on WebGPU; a deliberately wrong
// kernel is caught and named, by the API and by the CLI's exit code.
import { describe, expect, it } from 'vitest';
import { validateAndReport } from '../src/cli/validate.js';
import { captureIo } from '../src/cli/io.js';
import type { GpuProgram } from '../src/gpu/program.js';
import { GPU_PROGRAMS } from '../src/ops/gpu-registry.js';
import { compareTensors as compareLayer, DEFAULT_TOLERANCE, validate } from '../src/validate.js';
import { listFixtures, loadFixture } from './support/fixtures.js';
import { getTestDevice } from './support/gpu.js';

/** The real Conv kernels with a wrong epilogue (clamped to ±0.05): wrong wherever |y| > 0.05. */
function faultyConv(): GpuProgram {
  const real = GPU_PROGRAMS.get('Conv')!;
  return {
    build: (rn, ctx) => real.build({ ...rn, attrs: { ...(rn.attrs as object), act: { kind: 'clip', min: -0.05, max: 0.05 } } }, ctx),
  };
}

describe('validate()', () => {
  const fixtures = listFixtures().filter((f) => f.output !== null && !f.name.startsWith('seed_separable_16'));
  it.each(fixtures.map((f) => [f.name] as const))('%s passes on the GPU layer by layer', async (name) => {
    const gpu = await getTestDevice();
    const fx = loadFixture(name);
    const report = await validate(fx.graph, { inputs: { [fx.inputName]: fx.input }, gpu });
    const failed = report.layers.filter((l) => !l.pass);
    expect(failed.map((l) => `${l.node} (${l.op}) maxAbs=${l.maxAbsError} ${l.error ?? ''}`)).toEqual([]);
    expect(report.layers.length).toBeGreaterThan(0);
    expect(report.tolerance).toEqual(DEFAULT_TOLERANCE);
  });

  it('a faulty Conv kernel fails, naming the layer and the worst element; the CLI exits 1', async () => {
    const gpu = await getTestDevice();
    const fx = loadFixture('separable_block_bn_relu6');
    const programs = new Map([['Conv', faultyConv()]]);
    const report = await validate(fx.graph, { inputs: { [fx.inputName]: fx.input }, gpu, programs });
    const convs = report.layers.filter((l) => l.op === 'Conv');
    expect(convs.length).toBeGreaterThan(0);
    for (const l of convs) {
      expect(l.pass).toBe(false);
      expect(l.error).toBeUndefined();
      expect(l.worst).not.toBeNull();
      expect(l.worst!.coords).toHaveLength(4);
    }
    expect(report.layers.filter((l) => l.op !== 'Conv').every((l) => l.pass)).toBe(true);
    const io = captureIo();
    const code = await validateAndReport(gpu, fx.graph, { [fx.inputName]: fx.input }, DEFAULT_TOLERANCE, io, programs);
    expect(code).toBe(1);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/FAILED: \d+ layer\(s\): .*\(Conv\)/);
    expect(text).toContain(convs[0]!.node);
    const ok = captureIo();
    expect(await validateAndReport(gpu, fx.graph, { [fx.inputName]: fx.input }, DEFAULT_TOLERANCE, ok)).toBe(0);
    expect(ok.stdout.join('\n')).toMatch(/all \d+ layers pass/);
  });

  it('non-finite reference values are reported, and a GPU that disagrees on them fails', () => {
    const ref = { shape: [1, 4], data: Float32Array.from([1, NaN, Infinity, 2]) };
    const same = compareLayer({ shape: [1, 4], data: Float32Array.from([1, NaN, Infinity, 2]) }, ref, DEFAULT_TOLERANCE);
    expect(same).toMatchObject({ pass: true, nonFiniteRef: 2, nonFiniteMismatches: 0 });
    const diff = compareLayer({ shape: [1, 4], data: Float32Array.from([1, 0, Infinity, 2]) }, ref, DEFAULT_TOLERANCE);
    expect(diff).toMatchObject({ pass: false, nonFiniteRef: 2, nonFiniteMismatches: 1 });
    expect(diff.worst!.coords).toEqual([0, 1]);
  });
});
