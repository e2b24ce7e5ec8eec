import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { optimize } from '../src/graph/optimize.js';
import { FUSED_DWPW } from '../src/ops/dwpw.js';
import { resolve } from '../src/graph/resolve.js';
import { tensor } from '../src/tensor.js';
import { loadOnnx } from '../src/onnx/import.js';
import { compareTensors, FIXTURES_DIR, loadFixture, loadNpy } from './support/fixtures.js';

function randn(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

describe('graph optimiser', () => {
  it('folds BatchNorm with non-default statistics into the conv and fuses ReLU6, same answer', () => {
    const b = new GraphBuilder('bn');
    const x = b.input('x', [2, 6, 9, 11]);
    let y = b.depthwiseConv2d(x, 6, 3, { padding: 1, bias: true, name: 'dw' });
    y = b.batchNorm(y, 6, { runningMean: randn(6, 1), runningVar: randn(6, 2).map((v) => 1.5 + v), weight: randn(6, 3), bias: randn(6, 4) });
    y = b.relu6(y);
    y = b.pointwiseConv2d(y, 6, 5, { name: 'pw' });
    y = b.batchNorm(y, 5, { runningMean: randn(5, 5), runningVar: randn(5, 6).map((v) => 1.2 + v), weight: randn(5, 7), bias: randn(5, 8) });
    b.output(y);
    const rg = resolve(b.build(), {});
    const { graph: opt, report } = optimize(rg);
    expect(report).toEqual({ droppedIdentity: 0, foldedBatchNorm: 2, fusedActivation: 1, fusedResidual: 0, foldedHardSwish: 0, foldedConstantAdd: 0 });
    expect(opt.nodes.map((n) => n.node.op)).toEqual(['Conv', 'Conv']);
    const input = tensor([2, 6, 9, 11], randn(2 * 6 * 9 * 11, 9));
    const ref = runCpu(rg, { x: input }, { fast: false }).get(rg.graph.outputs[0]!)!;
    for (const fast of [false, true]) {
      const out = runCpu(opt, { x: input }, { fast }).get(opt.graph.outputs[0]!)!;
      const cmp = compareTensors(out, ref, 1e-5, 1e-5);
      expect(cmp.ok, `fast=${fast}: max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
    }
  });

  for (const name of ['separable_block_bn_relu6', 'tiny_inverted_residual_op11', 'mobilenet_v2_035']) {
    it(`${name}: fuses activations and keeps PyTorch's answer`, () => {
      const fx = loadFixture(name);
      const rg = resolve(fx.graph, { [fx.inputName]: fx.input.shape });
      const { graph: opt, report } = optimize(rg);
      expect(report.fusedActivation).toBeGreaterThan(0);
      // torch.onnx.export already folded these fixtures' BatchNorms: nothing is left to fold (zoo test below: kept BN)
      expect(rg.nodes.some((n) => n.node.op === 'BatchNormalization')).toBe(false);
      expect(report.foldedBatchNorm).toBe(0);
      expect(opt.nodes.length).toBe(rg.nodes.length - report.foldedBatchNorm - report.fusedActivation - report.droppedIdentity - report.fusedResidual);
      if (name !== 'separable_block_bn_relu6') expect(report.fusedResidual).toBeGreaterThan(0);
      const produced = new Set(opt.nodes.flatMap((n) => n.node.outputs));
      for (const n of opt.nodes)
        for (const i of n.node.inputs) if (i !== '') expect(produced.has(i) || opt.constants.has(i) || opt.inputShapes.has(i)).toBe(true);
      for (const fast of [false, true]) {
        const out = runCpu(opt, { [fx.inputName]: fx.input }, { fast }).get(opt.graph.outputs[0]!)!;
        const cmp = compareTensors(out, fx.expected!, fx.atol, fx.rtol);
        expect(cmp.ok, `${name} fast=${fast}: max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
      }
    });
  }

  it('zoo mobilenet_v2 (BatchNorm kept in the export): every BatchNorm folded, same answer as PyTorch', () => {
    const dir = join(FIXTURES_DIR, 'zoo', 'mobilenet_v2');
    const graph = loadOnnx(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
    const input = loadNpy(join(dir, 'input.npy'));
    const rg = resolve(graph, { [graph.inputs[0]!.name]: input.shape });
    const bn = rg.nodes.filter((n) => n.node.op === 'BatchNormalization').length;
    expect(bn).toBeGreaterThan(10);
    const { graph: opt, report } = optimize(rg);
    expect(report.foldedBatchNorm).toBe(bn);
    expect(opt.nodes.some((n) => n.node.op === 'BatchNormalization')).toBe(false);
    const out = runCpu(opt, { [graph.inputs[0]!.name]: input }).get(opt.graph.outputs[0]!)!;
    const cmp = compareTensors(out, loadNpy(join(dir, 'output.npy')), 1e-3, 0);
    expect(cmp.ok, `max abs ${cmp.maxAbsErr}`).toBe(true);
  });

  it('a residual produced after the conv (BlazeFace: the MaxPool shortcut built after the block) fuses, the conv moved to the Add', () => {
    const b = new GraphBuilder('late');
    const x = b.input('x', [2, 8, 10, 9]);
    const d = b.depthwiseConv2d(x, 8, 3, { stride: 2, padding: 1, bias: true });
    const c = b.pointwiseConv2d(d, 8, 8, { bias: true, name: 'pw' });
    const p = b.maxPool2d(x, 2, { stride: 2, ceilMode: true });
    b.output(b.relu(b.add(c, p)), 'y');
    const r0 = resolve(b.build(), {});
    // as the TFLite file orders them: the shortcut after the block's convs
    const order = ['Conv', 'Conv', 'MaxPool', 'Add', 'Relu'];
    const rg = { ...r0, nodes: [...r0.nodes].sort((m, n) => order.indexOf(m.node.op) - order.indexOf(n.node.op) || (m.node.name === 'pw' ? 1 : -1)) };
    expect(rg.nodes.map((n) => n.node.op)).toEqual(order);
    expect(rg.nodes[1]!.node.name).toBe('pw');
    for (const cpu of [false, true]) {
      const { graph, report } = optimize(rg, { cpu });
      expect(report.fusedResidual).toBe(1);
      // the fused conv runs after the MaxPool it reads
      expect(graph.nodes.map((n) => n.node.op)).toEqual(cpu ? ['Conv', 'MaxPool', 'Conv'] : ['Conv', 'MaxPool', 'Conv', 'Relu']);
      expect(graph.nodes[2]!.node.inputs[3]).toBe(graph.nodes[1]!.node.outputs[0]);
      const input = tensor([2, 8, 10, 9], randn(2 * 8 * 10 * 9, 31));
      const want = runCpu(rg, { x: input }, { fast: false }).get('y')!;
      for (const fast of [false, true]) {
        const got = runCpu(graph, { x: input }, { fast }).get('y')!;
        expect(Math.max(...got.data.map((v, i) => Math.abs(v - want.data[i]!))), `cpu=${cpu} fast=${fast}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('cpu option: a Relu or ReLU6 after a fused residual joins the conv as its post activation; bitwise the unfused answer on the CPU, refused by fuse-dwpw', () => {
    // BlazeFace's block: depthwise -> pointwise (+ x) -> relu, and a regular conv (+ x) -> relu6; a residual conv
    // whose output has a second reader keeps its Relu
    const b = new GraphBuilder('post');
    const x = b.input('x', [1, 8, 13, 11]);
    const d = b.depthwiseConv2d(x, 8, 3, { padding: 1, bias: true });
    const r1 = b.relu(b.add(b.pointwiseConv2d(d, 8, 8, { bias: true }), x));
    const r2 = b.relu6(b.add(b.conv2d(r1, 8, 8, 3, { padding: 1, bias: true }), r1));
    const c3 = b.add(b.pointwiseConv2d(r2, 8, 8), r2);
    b.output(b.relu(c3), 'y');
    b.output(c3, 'z');
    const rg = resolve(b.build(), {});
    const plain = optimize(rg).graph;
    const { graph: cpu, report } = optimize(rg, { cpu: true });
    expect(plain.nodes.filter((n) => n.node.op === 'Relu' || n.node.op === 'Clip')).toHaveLength(3);
    expect(cpu.nodes.map((n) => n.node.op)).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Relu']);
    expect(cpu.nodes.map((n) => (n.attrs as { post?: { kind: string } } | null)?.post?.kind ?? '-')).toEqual(['-', 'relu', 'clip', '-', '-']);
    expect(report.fusedResidual).toBe(3);
    const input = tensor([1, 8, 13, 11], randn(8 * 13 * 11, 21).map((v) => v * 3));
    for (const fast of [false, true]) {
      const want = runCpu(plain, { x: input }, { fast });
      const got = runCpu(cpu, { x: input }, { fast });
      for (const k of ['y', 'z']) expect(Array.from(got.get(k)!.data), `${k} fast=${fast}`).toEqual(Array.from(want.get(k)!.data));
    }
    // the GPU path's dw -> pw fusion leaves a conv with a post activation alone
    expect(fuseDwPwFor(cpu, { variant: 'tiled', limits: { maxComputeInvocationsPerWorkgroup: 256 } }).graph.nodes.some((n) => n.node.op === FUSED_DWPW)).toBe(false);
    expect(fuseDwPwFor(plain, { variant: 'tiled', limits: { maxComputeInvocationsPerWorkgroup: 256 } }).graph.nodes.some((n) => n.node.op === FUSED_DWPW)).toBe(true);
  });
});
