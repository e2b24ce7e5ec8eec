// The validation harness: every committed fixture (PyTorch output stored or not: validate() compares against the
// CPU reference) passes layer by layer on WebGPU, in the optimised graph that load() runs and in the unoptimised one;
// a deliberately wrong kernel or epilogue is caught and named, by the API and by the CLI's exit code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAndReport } from '../src/cli/validate.js';
import { captureIo } from '../src/cli/io.js';
import type { GpuProgram } from '../src/gpu/program.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { load } from '../src/model.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { GPU_PROGRAMS } from '../src/gpu/programs/registry.js';
import { compareTensors as compareLayer, DEFAULT_TOLERANCE, validate } from '../src/validate.js';
import { loadOnnx } from '../src/onnx/import.js';
import { FIXTURES_DIR, listFixtures, loadFixture, loadNpy } from './support/fixtures.js';
import { getTestDevice } from './support/gpu.js';
import { openKernelDevice } from './support/kernel-device.js';
import { GraphBuilder } from '../src/builder.js';
import { PipelineCache } from '../src/gpu/pipelines.js';

/** The real Conv kernels with a wrong epilogue (clamped to ±0.05): wrong wherever |y| > 0.05. */
function faultyConv(): GpuProgram {
  const real = GPU_PROGRAMS.get('Conv')!;
  return {
    build: (rn, ctx) => real.build({ ...rn, attrs: { ...(rn.attrs as object), act: { kind: 'clip', min: -0.05, max: 0.05 } } }, ctx),
  };
}

/** The real Conv kernels with the fused residual left out: the epilogue writes act(conv(x) + b) without + R. */
function residualDroppingConv(): GpuProgram {
  const real = GPU_PROGRAMS.get('Conv')!;
  return { build: (rn, ctx) => real.build({ ...rn, attrs: { ...(rn.attrs as ConvAttrs), residual: false } }, ctx) };
}

/** Node names of the graph load() runs (optimised) and of the resolved one. */
function nodeNames(fx: ReturnType<typeof loadFixture>, optimized: boolean): string[] {
  const rg = resolve(fx.graph, { [fx.inputName]: fx.input.shape });
  return (optimized ? optimize(rg).graph : rg).nodes.map((n) => n.node.name);
}

describe('validate()', () => {
  const fixtures = listFixtures();
  it.each(fixtures.map((f) => [f.name] as const))('%s passes on the GPU layer by layer (optimised graph, as load() runs it)', async (name) => {
    const gpu = await getTestDevice();
    const fx = loadFixture(name);
    const report = await validate(fx.graph, { inputs: { [fx.inputName]: fx.input }, gpu });
    const failed = report.layers.filter((l) => !l.pass);
    expect(failed.map((l) => `${l.node} (${l.op}) maxAbs=${l.maxAbsError} ${l.error ?? ''}`)).toEqual([]);
    expect(report.optimized).toBe(true);
    expect(new Set(report.layers.map((l) => l.node))).toEqual(new Set(nodeNames(fx, true)));
    expect(report.tolerance).toEqual(DEFAULT_TOLERANCE);
  });

  // Where optimisation changes the graph, the unoptimised one (BatchNorm, activations and Adds as their own nodes) too.
  const changed = fixtures.filter((f) => f.ops.some((op) => ['BatchNormalization', 'Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Add', 'Identity', 'Dropout'].includes(op)));
  it.each(changed.map((f) => [f.name] as const))('%s passes unoptimised too', async (name) => {
    const gpu = await getTestDevice();
    const fx = loadFixture(name);
    const report = await validate(fx.graph, { inputs: { [fx.inputName]: fx.input }, gpu, optimize: false });
    expect(report.layers.filter((l) => !l.pass).map((l) => `${l.node} (${l.op}) maxAbs=${l.maxAbsError} ${l.error ?? ''}`)).toEqual([]);
    expect(report.optimized).toBe(false);
    expect(new Set(report.layers.map((l) => l.node))).toEqual(new Set(nodeNames(fx, false)));
  });

  // The fixtures' exporter folded their BatchNorms; the zoo models keep theirs, so load()'s folding is validated here.
  it.each(['mobilenet_v3_small', 'resnet18'])('zoo %s: the BatchNorm-folded, fused graph passes layer by layer', async (name) => {
    const gpu = await getTestDevice();
    const dir = join(FIXTURES_DIR, 'zoo', name);
    const graph = loadOnnx(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
    const input = loadNpy(join(dir, 'input.npy'));
    const report = await validate(graph, { inputs: { [graph.inputs[0]!.name]: input }, gpu });
    expect(report.layers.filter((l) => !l.pass).map((l) => `${l.node} (${l.op}) maxAbs=${l.maxAbsError} ${l.error ?? ''}`)).toEqual([]);
    expect(report.layers.some((l) => l.op === 'BatchNormalization')).toBe(false);
    expect(report.layers.some((l) => l.node.startsWith('/') && l.op === 'Conv')).toBe(true);
  }, 120_000);

  it('validates the graph load() runs: the fused residual epilogues are among the layers, and a kernel that drops the residual fails', async () => {
    const gpu = await getTestDevice();
    const fx = loadFixture('tiny_inverted_residual_op11');
    const model = await load(fx.graph, { backend: 'cpu' });
    const fused = model.graph.nodes.filter((n) => (n.attrs as Partial<ConvAttrs>).residual).map((n) => n.node.name);
    expect(fused.length).toBeGreaterThan(0);
    const inputs = { [fx.inputName]: fx.input };
    const report = await validate(fx.graph, { inputs, gpu, programs: new Map([['Conv', residualDroppingConv()]]) });
    expect(report.layers.filter((l) => !l.pass).map((l) => l.node)).toEqual(fused);
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
    const code = await validateAndReport(gpu, fx.graph, { [fx.inputName]: fx.input }, DEFAULT_TOLERANCE, io, { programs });
    expect(code).toBe(1);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/FAILED: \d+ layer\(s\): .*\(Conv\)/);
    expect(text).toContain(convs[0]!.node);
    const ok = captureIo();
    expect(await validateAndReport(gpu, fx.graph, { [fx.inputName]: fx.input }, DEFAULT_TOLERANCE, ok)).toBe(0);
    expect(ok.stdout.join('\n')).toMatch(/all \d+ layers pass/);
    expect(ok.stdout.join('\n')).toMatch(/validation of the optimised graph \(as load\(\) and `run` execute it\)/);
    const raw = captureIo();
    expect(await validateAndReport(gpu, fx.graph, { [fx.inputName]: fx.input }, DEFAULT_TOLERANCE, raw, { optimize: false })).toBe(0);
    expect(raw.stdout.join('\n')).toMatch(/validation of the unoptimised graph/);
    // the unoptimised graph keeps the ReLU6 (Clip) as its own layer; load() fuses it into the conv epilogue
    expect(nodeNames(fx, false).length).toBeGreaterThan(nodeNames(fx, true).length);
    expect(raw.stdout.join('\n')).toContain(`all ${nodeNames(fx, false).length} layers pass`);
    expect(ok.stdout.join('\n')).toContain(`all ${nodeNames(fx, true).length} layers pass`);
  });

  it("kernels 'steady' validates what later calls run (a 3x3 conv's Winograd, the exact GEMMs); 'first' the first call's", async () => {
    // a device of its own: its pipeline cache shows which kernels each validation compiled
    const gpu = await openKernelDevice();
    try {
      const b = new GraphBuilder('wino', { seed: 11 });
      const c = b.relu(b.conv2d(b.input('x', [1, 16, 9, 11]), 16, 16, 3, { padding: 1 }));
      b.output(b.relu6(b.pointwiseConv2d(c, 16, 20)));
      const graph = b.build();
      const inputs = { x: { shape: [1, 16, 9, 11], data: Float32Array.from({ length: 16 * 99 }, (_, i) => Math.sin(i * 0.37)) } };
      const keys = () => PipelineCache.forDevice(gpu.device).keys;
      const first = await validate(graph, { inputs, gpu });
      expect(first.kernels).toBe('first');
      expect(first.layers.filter((l) => !l.pass)).toEqual([]);
      expect(keys().filter((k) => k.startsWith('winograd.'))).toEqual([]);
      const io = captureIo();
      expect(await validateAndReport(gpu, graph, inputs, DEFAULT_TOLERANCE, io, { kernels: 'steady' })).toBe(0);
      expect(io.stdout.join('\n')).toMatch(/steady kernels \(as later calls run them\)/);
      expect(keys().filter((k) => k.startsWith('winograd.')).length).toBe(2);
      expect(keys().some((k) => k.startsWith('gemm.register4.') && !k.includes('.loop'))).toBe(true);
    } finally {
      gpu.device.destroy();
    }
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
