// Row reductions (GlobalAveragePool, Reduce*, ArgMax/ArgMin, Softmax) on both of their paths: subgroup shuffles
// where the device has `subgroups` (SwiftShader offers it: subgroups of 4, so rows of more than 4 lanes also take
// the workgroup-memory finish) and the workgroup-memory tree on a device made without the feature. Each against
// the op's CPU reference, |gpu − cpu| ≤ 1e-5 + 1e-5·|cpu|, NaN meeting NaN; row widths from 1 to 32 lanes.
import { afterAll, describe, expect, it } from 'vitest';
import { getGpu, summarizeAdapter, type GpuContext } from '../src/gpu/device.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../src/gpu/dispatch-node.js';
import { intTensor, type Value } from '../src/graph/ir.js';
import { getTestDevice } from './support/gpu.js';
import { compare, ErrorLog, rand, resolveOne, withSpecials, type Case, type In } from './support/op-check.js';

const ints = (...v: number[]): In => ({ const: intTensor([v.length], v) });
const quantised = (t: ReturnType<typeof rand>) => ({ ...t, data: t.data.map((v) => Math.round(v)) });

const CASES: [string, string, In[], Case][] = [
  // C not a multiple of 4: with one, the software-adapter variant runs its channel-mean kernel, not a row reduction
  ['GlobalAveragePool [1,38,7,7] (2 lanes a row)', 'GlobalAveragePool', [rand([1, 38, 7, 7], 1)], {}],
  ['GlobalAveragePool [1,5,13,11] (4 lanes)', 'GlobalAveragePool', [rand([1, 5, 13, 11], 2)], {}],
  ['GlobalAveragePool [1,3,32,32] (32 lanes)', 'GlobalAveragePool', [rand([1, 3, 32, 32], 3)], {}],
  ['ReduceSum [2,3,50,7] axes 0,2', 'ReduceSum', [rand([2, 3, 50, 7], 4), ints(0, 2)], { opset: 18 }],
  ['ReduceMax NaN/inf [2,3,50,7] axis 2', 'ReduceMax', [withSpecials(rand([2, 3, 50, 7], 5)), ints(2)], { opset: 18 }],
  ['ReduceMin NaN/inf [2,3,50,7] axis 2', 'ReduceMin', [withSpecials(rand([2, 3, 50, 7], 6)), ints(2)], { opset: 18 }],
  ['ReduceMean [3,1001] axis 1', 'ReduceMean', [rand([3, 1001], 7), ints(1)], { opset: 18 }],
  ['ArgMax ties [3,300] axis 1', 'ArgMax', [quantised(rand([3, 300], 8, -3, 3))], { attrs: { axis: 1 } }],
  ['ArgMin ties last [3,300] axis 1', 'ArgMin', [quantised(rand([3, 300], 9, -3, 3))], { attrs: { axis: 1, select_last_index: 1 } }],
  ['Softmax [2,7,3,3] axis 1 (1 lane)', 'Softmax', [rand([2, 7, 3, 3], 10, -5, 5)], { opset: 13, attrs: { axis: 1 } }],
  ['Softmax [5,200] (8 lanes)', 'Softmax', [rand([5, 200], 11, -10, 10)], { opset: 13 }],
  ['Softmax [3,1001] (32 lanes)', 'Softmax', [rand([3, 1001], 12, -10, 10)], { opset: 13 }],
];

let plainDevice: GPUDevice | undefined;
afterAll(() => plainDevice?.destroy());

/** A device made without any optional feature, so without `subgroups`. */
async function withoutSubgroups(): Promise<GpuContext> {
  const gpu = await getGpu();
  if (typeof gpu === 'string') throw new Error(gpu);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  plainDevice ??= await adapter.requestDevice();
  return { adapter, device: plainDevice, info: summarizeAdapter(adapter) };
}

async function sweep(gpu: GpuContext, title: string): Promise<string[]> {
  const log = new ErrorLog(title);
  const pipelines = new PipelineCache(gpu.device);
  for (const [name, op, ins, c] of CASES) {
    const { rn, values, constants } = resolveOne(op, ins, c);
    const got = await runNodeOnGpu(gpu, rn, values as Value[], constants, pipelines);
    compare(log, name, got, rn.def.reference(values as Value[], rn.attrs));
  }
  log.report();
  return pipelines.keys;
}

describe('row reductions with and without subgroups', () => {
  it('subgroup path: every reduction pipeline is the subgroup variant, and matches the CPU', async () => {
    const gpu = await getTestDevice();
    expect(gpu.device.features.has('subgroups'), 'SwiftShader offers subgroups; the engine must request them').toBe(true);
    const keys = await sweep(gpu, 'subgroups');
    expect(keys.length).toBeGreaterThan(5);
    for (const k of keys) expect(k).toMatch(/^(reduce_mean|softmax)_subgroups\|.*SG_MIN=\d+/);
  });

  it('workgroup-memory path on a device without subgroups matches the CPU', async () => {
    const gpu = await withoutSubgroups();
    expect(gpu.device.features.has('subgroups')).toBe(false);
    const keys = await sweep(gpu, 'no subgroups');
    expect(keys.length).toBeGreaterThan(5);
    for (const k of keys) expect(k).toMatch(/^(reduce_mean|softmax)\|/);
  });
});
