import { describe, expect, test } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { ShapeError } from '../src/errors.js';
import type { Graph, Value } from '../src/graph/ir.js';
import { resolve } from '../src/graph/resolve.js';
import { encodeOnnx } from '../src/onnx/export.js';
import { loadOnnx } from '../src/onnx/import.js';
import type { Tensor } from '../src/tensor.js';
import { compareTensors, loadFixture } from './support/fixtures.js';

const weight = (g: Graph, name: string): Tensor => {
  const v = g.initializers.get(name);
  if (!v || !('data' in v)) throw new Error(`no float initializer ${name}`);
  return v;
};

/** The initializer feeding input `i` of the fixture's node `node` (PyTorch names them onnx::Conv_21 etc.). */
const initOf = (g: Graph, node: string, i: number): Float32Array => {
  const n = g.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`fixture has no node ${node}`);
  return weight(g, n.inputs[i]!).data;
};

function expectMatchesFixture(name: string, build: (b: GraphBuilder, f: ReturnType<typeof loadFixture>) => void): void {
  const f = loadFixture(name);
  const b = new GraphBuilder(name);
  build(b, f);
  const g = b.build();
  const out = runCpu(resolve(g), { [g.inputs[0]!.name]: f.input }).get(g.outputs[0]!)!;
  const cmp = compareTensors(out, f.expected!, f.atol, f.rtol);
  expect(cmp.note ?? '').toBe('');
  expect(cmp.mismatches).toBe(0);
  expect(cmp.ok).toBe(true);
}

describe('GraphBuilder: graph structure', () => {
  test('separable conv is a depthwise then a pointwise Conv with PyTorch-style names', () => {
    const b = new GraphBuilder('sep');
    const x = b.input('input', [1, 16, 128, 128]);
    b.output(b.separableConv2d(x, 16, 32, 3, { padding: 1, bias: false }), 'output');
    const g = b.build();
    expect(g.nodes.map((n) => [n.name, n.op])).toEqual([
      ['sep1.depthwise', 'Conv'],
      ['sep1.pointwise', 'Conv'],
    ]);
    const [dw, pw] = g.nodes as [Graph['nodes'][0], Graph['nodes'][0]];
    expect(dw.inputs).toEqual(['input', 'sep1.depthwise.weight']);
    expect(dw.attrs).toMatchObject({ group: 16, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
    expect(pw.inputs).toEqual(['sep1.depthwise', 'sep1.pointwise.weight']);
    expect(pw.attrs).toMatchObject({ group: 1, kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
    expect(pw.outputs).toEqual(['output']);
    expect(g.outputs).toEqual(['output']);
    expect(weight(g, 'sep1.depthwise.weight').shape).toEqual([16, 1, 3, 3]);
    expect(weight(g, 'sep1.pointwise.weight').shape).toEqual([32, 16, 1, 1]);
    expect(resolve(g).shapes.get('output')).toEqual([1, 32, 128, 128]);
  });

  test('bias defaults to true (nn.Conv2d) and applies to both halves of a separable conv', () => {
    const b = new GraphBuilder('bias');
    const x = b.input('x', [1, 3, 8, 8]);
    b.output(b.separableConv2d(x, 3, 64, 5, { name: 'block' }));
    const g = b.build();
    expect([...g.initializers.keys()]).toEqual([
      'block.depthwise.weight',
      'block.depthwise.bias',
      'block.pointwise.weight',
      'block.pointwise.bias',
    ]);
  });

  test("'same' padding follows PyTorch (odd pixel bottom/right) and is refused with a stride", () => {
    const b = new GraphBuilder('same');
    const x = b.input('x', [1, 3, 10, 9]);
    b.output(b.conv2d(x, 3, 4, 4, { padding: 'same' }));
    expect(b.build().nodes[0]!.attrs.pads).toEqual([1, 1, 2, 2]);
    const d = new GraphBuilder('dilated');
    d.output(d.conv2d(d.input('x', [1, 3, 9, 9]), 3, 4, 3, { padding: 'same', dilation: 2 }));
    expect(d.build().nodes[0]!.attrs).toMatchObject({ pads: [2, 2, 2, 2], dilations: [2, 2] });
    const b2 = new GraphBuilder('strided');
    expect(() => b2.conv2d(b2.input('x', [1, 3, 9, 9]), 3, 4, 3, { padding: 'same', stride: 2 })).toThrow(/stride 1/);
  });

  test('weights are Kaiming-uniform, reproducible per seed and different across seeds', () => {
    const make = (seed: number) => {
      const b = new GraphBuilder('init', { seed });
      b.output(b.conv2d(b.input('x', [1, 4, 5, 5]), 4, 8, 3));
      return b.build();
    };
    const a = weight(make(7), 'conv1.weight').data;
    expect(weight(make(7), 'conv1.weight').data).toEqual(a);
    expect(weight(make(8), 'conv1.weight').data).not.toEqual(a);
    const bound = 1 / Math.sqrt(4 * 9);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(bound);
    // Roughly uniform over (-bound, bound): the spread is not collapsed near zero.
    expect(Math.max(...a)).toBeGreaterThan(bound * 0.8);
    expect(Math.min(...a)).toBeLessThan(-bound * 0.8);
    const bias = weight(make(7), 'conv1.bias').data;
    expect(bias.length).toBe(8);
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  test("init 'zeros' gives zero weights", () => {
    const b = new GraphBuilder('z', { init: 'zeros' });
    b.output(b.linear(b.input('x', [2, 6]), 6, 3));
    expect([...weight(b.build(), 'linear1.weight').data].every((v) => v === 0)).toBe(true);
  });

  test('explicit weights of the wrong length name the layer and the expected length', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', [1, 16, 8, 8]);
    const err = (() => {
      try {
        b.separableConv2d(x, 16, 32, 3, { name: 'sep1', depthwiseWeight: new Float32Array(100) });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toBe('Conv node "sep1.depthwise": weight needs 144 values (shape [16, 1, 3, 3]), got 100');
    expect(() => b.linear(b.flatten(x), 1024, 10, { biasData: new Float32Array(9) })).toThrow(
      'Gemm node "linear1": bias needs 10 values (shape [10]), got 9',
    );
    expect(() => b.conv2d(x, 16, 8, 3, { bias: false, biasData: new Float32Array(8) })).toThrow(/bias is false/);
  });

  test('wiring mistakes are caught when the layer is added', () => {
    const b = new GraphBuilder('wires');
    const x = b.input('x', [1, 3, 8, 8]);
    const y = b.conv2d(x, 3, 16, 3, { name: 'c1' });
    expect(() => b.conv2d(y, 8, 16, 3, { name: 'c2' })).toThrow('Conv node "c2": expects 8 input channels but "c1" has 16');
    expect(() => b.conv2d(y, 16, 10, 3, { groups: 4 })).toThrow(/groups=4 must divide/);
    expect(() => b.relu(y, 'c1')).toThrow(/already used/);
    expect(() => b.build()).toThrow(/no outputs/);
    const other = new GraphBuilder('other');
    expect(() => other.relu(y)).toThrow(/not a value made by this builder/);
  });

  test('a builder graph survives ONNX export and import unchanged', () => {
    const b = new GraphBuilder('roundtrip');
    let x = b.input('input', [1, 3, 16, 16]);
    x = b.relu6(b.batchNorm(b.conv2d(x, 3, 8, 3, { stride: 2, padding: 1, bias: false }), 8));
    x = b.hardswish(b.separableConv2d(x, 8, 16, 3, { padding: 'same' }));
    x = b.linear(b.flatten(b.globalAvgPool(x)), 16, 10);
    b.output(b.softmax(x), 'probs');
    const g = b.build();
    const back = loadOnnx(encodeOnnx(g));
    expect(back.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual(
      g.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs]),
    );
    expect(back.outputs).toEqual(['probs']);
    expect(back.inputs).toEqual(g.inputs);
    for (const [k, v] of g.initializers) expect((back.initializers.get(k) as Value).shape).toEqual(v.shape);
    const input = { shape: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, (_, i) => Math.sin(i)) };
    const a = runCpu(resolve(g), { input }).get('probs')!;
    const c = runCpu(resolve(back), { input }).get('probs')!;
    expect(a.shape).toEqual([1, 10]);
    expect(a.data).toEqual(c.data);
    expect(a.data.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });
});

describe('GraphBuilder: same numbers as PyTorch (fixtures rebuilt layer by layer)', () => {
  test('depthwise + ReLU6 + pointwise block', () =>
    expectMatchesFixture('separable_block_bn_relu6', (b, f) => {
      const x = b.input('input', [1, 8, 15, 17]);
      const dw = b.depthwiseConv2d(x, 8, 3, {
        padding: 1,
        weight: initOf(f.graph, '/dw/Conv', 1),
        biasData: initOf(f.graph, '/dw/Conv', 2),
      });
      const pw = b.pointwiseConv2d(b.relu6(dw), 8, 16, {
        weight: initOf(f.graph, '/pw/Conv', 1),
        biasData: initOf(f.graph, '/pw/Conv', 2),
      });
      b.output(pw);
    }));

  test("padding 'same' with an even kernel", () =>
    expectMatchesFixture('conv_same_k4_pads', (b, f) => {
      const x = b.input('input', [1, 3, 10, 9]);
      b.output(b.conv2d(x, 3, 4, 4, { padding: 'same', weight: weight(f.graph, 'weight').data, biasData: weight(f.graph, 'bias').data }));
    }));

  test('depthwise with channel multiplier 2', () =>
    expectMatchesFixture('conv_depthwise_mult2', (b, f) => {
      const x = b.input('input', [1, 5, 13, 11]);
      b.output(b.depthwiseConv2d(x, 5, 3, { multiplier: 2, padding: 1, weight: weight(f.graph, 'weight').data, biasData: weight(f.graph, 'bias').data }));
    }));

  test('hardsigmoid uses PyTorch’s alpha = 1/6', () =>
    expectMatchesFixture('act_hardsigmoid_op13', (b, f) => {
      const x = b.input('input', [1, 4, 9, 8]);
      const y = b.conv2d(x, 4, 6, 3, { padding: 1, weight: weight(f.graph, '0.weight').data, biasData: weight(f.graph, '0.bias').data });
      b.output(b.hardsigmoid(y));
    }));

  test('global average pool + flatten + linear', () =>
    expectMatchesFixture('gap_flatten_linear', (b, f) => {
      const x = b.input('input', [2, 8, 7, 9]);
      const y = b.flatten(b.globalAvgPool(x));
      b.output(b.linear(y, 8, 5, { weight: weight(f.graph, 'fc.weight').data, biasData: weight(f.graph, 'fc.bias').data }));
    }));

  test('batch norm (inference) + relu', () =>
    expectMatchesFixture('batchnorm_standalone', (b, f) => {
      const x = b.input('input', [2, 5, 6, 7]);
      const y = b.batchNorm(x, 5, {
        weight: weight(f.graph, '0.weight').data,
        bias: weight(f.graph, '0.bias').data,
        runningMean: weight(f.graph, '0.running_mean').data,
        runningVar: weight(f.graph, '0.running_var').data,
      });
      b.output(b.relu(y));
    }));

  test('softmax over channels', () =>
    expectMatchesFixture('softmax_dim1_op13', (b) => {
      b.output(b.softmax(b.input('input', [2, 5, 4, 3]), 1));
    }));
});
