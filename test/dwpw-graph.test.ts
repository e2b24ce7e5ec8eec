// FusedDwPw in whole graphs: the optimizer fuses MobileNetV2's depthwise -> project pairs and the DSC blocks
// for a GPU target (and nothing for a software adapter), the CPU's JavaScript kernels run the fused graph and the
// GPU executor runs it on the hardware-path kernels; the validation harness checks the fused node layer by layer.
// Tolerances: the fixtures' own (PyTorch) and 1e-4 against the CPU.
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { FUSED_DWPW } from '../src/ops/dwpw.js';
import { validate } from '../src/validate.js';
import { compareTensors, loadFixture } from './support/fixtures.js';
import { getTestDevice } from './support/gpu.js';

const LIMITS = { maxComputeInvocationsPerWorkgroup: 256 };
const NETS = ['mobilenet_v2_035', 'separable_block_bn_relu6', 'tiny_inverted_residual_op11'];

function fusedGraph(name: string) {
  const fx = loadFixture(name);
  const opt = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph;
  return { fx, opt, ...fuseDwPwFor(opt, { variant: 'tiled', limits: LIMITS }) };
}

describe('FusedDwPw graphs', () => {
  it.each(NETS.map((n) => [n] as const))('%s: pairs fused for a GPU, none for a software adapter; CPU keeps the answer', (name) => {
    const { fx, opt, graph, fused } = fusedGraph(name);
    expect(fused.length).toBeGreaterThan(0);
    expect(graph.nodes.filter((n) => n.node.op === FUSED_DWPW).map((n) => n.node.name)).toEqual(fused);
    expect(graph.nodes.length).toBe(opt.nodes.length - fused.length);
    expect(fuseDwPwFor(opt, { variant: 'register', limits: LIMITS }).fused).toEqual([]);
    for (const fast of [true, false]) {
      const out = runCpu(graph, { [fx.inputName]: fx.input }, { fast }).get(graph.graph.outputs[0]!)!;
      const cmp = compareTensors(out, fx.expected!, fx.atol, fx.rtol);
      expect(cmp.ok, `${name} fast=${fast}: max abs ${cmp.maxAbsErr}`).toBe(true);
    }
  });

  it('MobileNetV2: every depthwise -> project pair whose project conv fits two tiles is fused', () => {
    const { opt, fused } = fusedGraph('mobilenet_v2_035');
    const dw = opt.nodes.filter((n) => n.node.op === 'Conv' && (n.attrs as { group: number }).group > 1);
    expect(fused.length).toBe(dw.length);
  });

  it.each(NETS.map((n) => [n] as const))('%s: fused graph on the GPU hardware-path kernels matches PyTorch and validates', async (name) => {
    const base = await getTestDevice();
    const gpu = { ...base, info: { ...base.info, isSoftware: false } };
    const { fx, graph } = fusedGraph(name);
    const exec = await GpuExecutor.compile(gpu, graph);
    const out = (await exec.run({ [fx.inputName]: fx.input })).get(graph.graph.outputs[0]!)!;
    const cmp = compareTensors(out, fx.expected!, fx.atol, fx.rtol);
    expect(cmp.ok, `${name}: max abs ${cmp.maxAbsErr}`).toBe(true);
    exec.dispose();
    const report = await validate(fx.graph, { inputs: { [fx.inputName]: fx.input }, gpu, optimize: true });
    const fusedLayers = report.layers.filter((l) => l.op === FUSED_DWPW);
    expect(fusedLayers.length).toBeGreaterThan(0);
    expect(report.layers.filter((l) => !l.pass).map((l) => `${l.node} ${l.maxAbsError} ${l.error ?? ''}`)).toEqual([]);
  });
});
