// The torchvision mobile zoo, end to end: mobilenet_v2, mobilenet_v3_small/large, mnasnet0_5, efficientnet_b0,
// shufflenet_v2_x0_5, squeezenet1_1 and resnet18, exported by torch.onnx.export (opset 13) with random weights
// and calibrated-then-perturbed BatchNorm statistics (scripts/make_zoo.py). The committed models are REDUCED
// variants (fewer channels and classes, 1x3x64x64 input) with the architectures' op mix; the BatchNormalization
// nodes are kept in the ONNX graph, so load() folds them (and the CPU also runs them unfolded).
//
// Each model must reproduce PyTorch's logits within abs 1e-3 and the same top-5 classes (in order), on the CPU
// (load(graph, {backend: 'cpu'})) and on WebGPU in Node (Dawn; SwiftShader where there is no GPU). The measured
// errors are printed after the run and written to test-artifacts/zoo-errors.json.
//
// All eight run on the GPU in the default suite: on SwiftShader the whole file takes ~15 s (each GPU model
// ~0.4-2.6 s including pipeline compiles). Full-size (224x224) models: scripts/zoo-check.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnx } from '../src/onnx/import.js';
import { load } from '../src/model.js';
import type { Graph } from '../src/graph/ir.js';
import type { Tensor } from '../src/tensor.js';
import { compareTensors, FIXTURES_DIR, loadNpy, ROOT } from './support/fixtures.js';
import { loadOnGpu } from './support/gpu.js';

const ZOO_DIR = join(FIXTURES_DIR, 'zoo');

interface ZooEntry {
  name: string;
  constructor: string;
  input_shape: number[];
  output_shape: number[];
  params: number;
  macs: number;
  atol: number;
  top5: number[];
  top5_gap: number;
  ops: string[];
  nodes: number;
  batchnorm_nodes: number;
}

interface ZooIndex {
  opset: number;
  atol: number;
  models: ZooEntry[];
}

const index = JSON.parse(readFileSync(join(ZOO_DIR, 'index.json'), 'utf8')) as ZooIndex;

const ARCHS = [
  'mobilenet_v2',
  'mobilenet_v3_small',
  'mobilenet_v3_large',
  'mnasnet0_5',
  'efficientnet_b0',
  'shufflenet_v2_x0_5',
  'squeezenet1_1',
  'resnet18',
];

function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

interface Loaded {
  graph: Graph;
  inputName: string;
  input: Tensor;
  expected: Tensor;
}

const cache = new Map<string, Loaded>();
function model(name: string): Loaded {
  let m = cache.get(name);
  if (!m) {
    const graph = loadOnnx(readBytes(join(ZOO_DIR, name, 'model.onnx')));
    m = {
      graph,
      inputName: graph.inputs[0]!.name,
      input: loadNpy(join(ZOO_DIR, name, 'input.npy')),
      expected: loadNpy(join(ZOO_DIR, name, 'output.npy')),
    };
    cache.set(name, m);
  }
  return m;
}

/** Indices of the k largest values, largest first. */
function topK(data: Float32Array, k: number): number[] {
  return [...data.keys()].sort((a, b) => data[b]! - data[a]! || a - b).slice(0, k);
}

interface Row {
  model: string;
  backend: string;
  maxAbsErr: number | null;
  top5: number[];
  ok: boolean;
  ms: number;
  error?: string;
}
const rows: Row[] = [];

async function check(name: string, backend: string, run: (m: Loaded) => Promise<Tensor>): Promise<void> {
  const entry = index.models.find((e) => e.name === name)!;
  const m = model(name);
  const row: Row = { model: name, backend, maxAbsErr: null, top5: [], ok: false, ms: 0 };
  try {
    const t0 = performance.now();
    const out = await run(m);
    row.ms = performance.now() - t0;
    expect(out.shape).toEqual(entry.output_shape);
    const cmp = compareTensors(out, m.expected, entry.atol, 0);
    row.maxAbsErr = cmp.maxAbsErr;
    row.top5 = topK(out.data, 5);
    expect(
      cmp.maxAbsErr,
      `${name} [${backend}]: max abs error ${cmp.maxAbsErr.toExponential(3)} at [${cmp.worstCoords.join(', ')}] ` +
        `(got ${cmp.worstActual}, PyTorch ${cmp.worstExpected}); ${cmp.mismatches}/${cmp.compared} logits beyond ${entry.atol}`,
    ).toBeLessThanOrEqual(entry.atol);
    expect(row.top5, `${name} [${backend}]: top-5 classes`).toEqual(entry.top5);
    row.ok = true;
  } catch (e) {
    row.error = (e as Error).message;
    throw e;
  } finally {
    rows.push(row);
  }
}

describe('torchvision mobile zoo (reduced variants) vs PyTorch', () => {
  it('fixtures/zoo/index.json holds every architecture, each with an unambiguous top-5', () => {
    expect(index.opset).toBe(13);
    expect(index.models.map((e) => e.name)).toEqual(ARCHS);
    for (const e of index.models) {
      expect(e.atol).toBe(1e-3);
      // the logits around the top-5 boundary are further apart than the tolerance
      expect(e.top5_gap, e.name).toBeGreaterThan(5 * e.atol);
      const expected = model(e.name).expected;
      expect(topK(expected.data, 5), e.name).toEqual(e.top5);
      // the logits are not collapsed onto the biases: they vary across classes
      const d = expected.data;
      expect(Math.max(...d) - Math.min(...d), e.name).toBeGreaterThan(0.1);
    }
    // BN is kept in the exported graphs (except squeezenet, which has none), so folding it is tested
    for (const e of index.models)
      if (e.name !== 'squeezenet1_1') expect(e.ops, e.name).toContain('BatchNormalization');
  });

  for (const name of ARCHS) {
    describe(name, () => {
      it('CPU (BatchNorm folded by load) matches PyTorch within abs 1e-3, same top-5', async () => {
        await check(name, 'cpu', async (m) => {
          const model = await load(m.graph, { backend: 'cpu' });
          expect(model.backend).toBe('cpu');
          // every BatchNormalization was folded into its conv
          expect(model.graph.nodes.filter((rn) => rn.node.op === 'BatchNormalization').length).toBe(0);
          return (await model.run({ [m.inputName]: m.input })).get(m.graph.outputs[0]!)!;
        });
      });

      it('CPU without graph optimisation (BatchNorm nodes run as they are) matches PyTorch', async () => {
        await check(name, 'cpu-unoptimised', async (m) => {
          const model = await load(m.graph, { backend: 'cpu', optimize: false });
          const bn = model.graph.nodes.filter((rn) => rn.node.op === 'BatchNormalization').length;
          expect(bn).toBe(index.models.find((e) => e.name === name)!.batchnorm_nodes);
          return (await model.run({ [m.inputName]: m.input })).get(m.graph.outputs[0]!)!;
        });
      });

      it('WebGPU (Node, Dawn) matches PyTorch within abs 1e-3, same top-5', async () => {
        await check(name, 'webgpu', async (m) => {
          // loadOnGpu checks that the run was answered by the GPU, not by the CPU after a device loss
          const model = await loadOnGpu(m.graph);
          try {
            return (await model.run({ [m.inputName]: m.input })).get(m.graph.outputs[0]!)!;
          } finally {
            model.dispose();
          }
        });
      }, 120_000);
    });
  }
});

afterAll(() => {
  if (!rows.length) return;
  const fmt = (v: number | null) => (v === null ? '-'.padStart(10) : v.toExponential(3).padStart(10));
  const lines = rows.map(
    (r) =>
      `${r.ok ? 'ok  ' : 'FAIL'} ${r.model.padEnd(20)} ${r.backend.padEnd(16)} max|err| ${fmt(r.maxAbsErr)}  ` +
      `top5 [${r.top5.join(',')}]  ${r.ms.toFixed(0).padStart(6)} ms` +
      (r.ok ? '' : `  ${(r.error ?? '').slice(0, 200)}`),
  );
  console.log(`torchvision zoo (reduced) vs PyTorch:\n${lines.join('\n')}`);
  try {
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'zoo-errors.json'), JSON.stringify(rows, null, 1));
  } catch {
    // best effort only
  }
});
