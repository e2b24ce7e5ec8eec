import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import type { AttrValue, Node, Value } from '../src/graph/ir.js';
import type { FusedActivation } from '../src/ops/activation.js';
import { Conv, type ConvAttrs } from '../src/ops/conv.js';
import { MatMul } from '../src/ops/matmul.js';
import { NodeCtx, type OpDef } from '../src/ops/types.js';
import { sizeOf, tensor, type Shape, type Tensor } from '../src/tensor.js';
import { cpuKernel } from '../src/cpu/kernels.js';

const EMPTY: Value = { shape: [0], data: new Float32Array(0) };

/** Parses one node over the given inputs (null = omitted) and returns its attrs, output shapes and a runner. */
function node<A>(def: OpDef<A>, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}) {
  const n: Node = { name: 'conv_7', op: def.op, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['y'], attrs };
  const ctx = new NodeCtx(n, inputs.map((v) => v?.shape), inputs.map((v) => v ?? undefined));
  const a = def.parse(ctx);
  const shapes = def.outputShapes(ctx, a);
  const args = inputs.map((v) => v ?? EMPTY);
  return {
    attrs: a,
    shapes,
    ref: (over?: Partial<A>) => def.reference(args, { ...a, ...over })[0] as Tensor,
    fast: (over?: Partial<A>) => cpuKernel(def)(args, { ...a, ...over })[0] as Tensor,
    cost: () => def.cost!(inputs.map((v) => v?.shape ?? []), shapes, a),
  };
}

function expectClose(actual: Tensor, expected: Tensor, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const v = actual.data[i]!;
    if (Number.isNaN(e) && Number.isNaN(v)) continue;
    const err = Math.abs(v - e) - (atol + rtol * Math.abs(e));
    if (!(err <= 0) && (worst < 0 || !(err <= worstErr))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) expect.fail(`element ${worst}: got ${actual.data[worst]}, expected ${expected.data[worst]}`);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function random(shape: Shape, r: () => number): Tensor {
  return tensor(shape, Array.from({ length: sizeOf(shape) }, () => r() * 2 - 1));
}

const t = (shape: Shape, data: number[]) => tensor(shape, data);
const iota3x3 = t([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
const ones = (shape: Shape) => tensor(shape, new Array(sizeOf(shape)).fill(1));

describe('Conv hand-computed', () => {
  it('3x3 ones kernel, pad 1, bias 1 on a 3x3 ramp', () => {
    const c = node(Conv, [iota3x3, ones([1, 1, 3, 3]), t([1], [1])], { pads: [1, 1, 1, 1] });
    expect(c.shapes).toEqual([[1, 1, 3, 3]]);
    const want = t([1, 1, 3, 3], [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v + 1));
    expectClose(c.ref(), want);
    expectClose(c.fast(), want);
  });

  it('stride 2 keeps the corners', () => {
    const c = node(Conv, [iota3x3, ones([1, 1, 3, 3])], { pads: [1, 1, 1, 1], strides: [2, 2] });
    expectClose(c.ref(), t([1, 1, 2, 2], [12, 16, 24, 28]));
    expectClose(c.fast(), t([1, 1, 2, 2], [12, 16, 24, 28]));
  });

  it('asymmetric pads [top=1, left=0, bottom=0, right=1] with a 2x2 kernel', () => {
    const c = node(Conv, [iota3x3, ones([1, 1, 2, 2])], { pads: [1, 0, 0, 1] });
    const want = t([1, 1, 3, 3], [3, 5, 3, 12, 16, 9, 24, 28, 15]);
    expectClose(c.ref(), want);
    expectClose(c.fast(), want);
  });

  it('fused relu and clip epilogues apply after the bias', () => {
    const w = t([1, 1, 1, 1], [1]);
    const x = t([1, 1, 1, 4], [-2, -0.5, 0.5, 9]);
    const c = node(Conv, [x, w, t([1], [1])]);
    const relu: FusedActivation = { kind: 'relu' };
    const clip: FusedActivation = { kind: 'clip', min: 0, max: 6 };
    expect(Array.from(c.ref({ act: relu }).data)).toEqual([0, 0.5, 1.5, 10]);
    expect(Array.from(c.fast({ act: relu }).data)).toEqual([0, 0.5, 1.5, 10]);
    expect(Array.from(c.fast({ act: clip }).data)).toEqual([0, 0.5, 1.5, 6]);
  });
});

describe('Conv equivalences', () => {
  const r = rng(11);

  it('a dilated filter equals the undilated filter with zeros inserted (k=3 d=2 -> k=5)', () => {
    const x = random([2, 3, 11, 9], r);
    const w = random([4, 3, 3, 3], r);
    const wz = new Float32Array(4 * 3 * 5 * 5);
    for (let o = 0; o < 12; o++)
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) wz[o * 25 + ky * 2 * 5 + kx * 2] = w.data[o * 9 + ky * 3 + kx]!;
    const dil = node(Conv, [x, w], { dilations: [2, 2], pads: [2, 1, 0, 2] });
    const und = node(Conv, [x, tensor([4, 3, 5, 5], wz)], { pads: [2, 1, 0, 2] });
    expect(dil.shapes).toEqual(und.shapes);
    expectClose(dil.ref(), und.ref());
    expectClose(dil.fast(), und.ref());
  });

  it('a pointwise conv equals W[Cout x Cin] · X[Cin x HW]', () => {
    const x = random([1, 6, 5, 7], r);
    const w = random([9, 6, 1, 1], r);
    const mm = node(MatMul, [tensor([9, 6], w.data), tensor([6, 35], x.data)]).ref();
    const c = node(Conv, [x, w]);
    expectClose(c.ref(), tensor([1, 9, 5, 7], mm.data));
    expectClose(c.fast(), tensor([1, 9, 5, 7], mm.data));
  });

  it('depthwise then pointwise equals a regular conv with W[o,i,y,x] = P[o,i]·D[i,y,x]', () => {
    const cin = 5;
    const cout = 7;
    const x = random([2, cin, 9, 8], r);
    const d = random([cin, 1, 3, 3], r);
    const p = random([cout, cin, 1, 1], r);
    const full = new Float32Array(cout * cin * 9);
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++) for (let k = 0; k < 9; k++) full[(o * cin + i) * 9 + k] = p.data[o * cin + i]! * d.data[i * 9 + k]!;
    const dw = node(Conv, [x, d], { group: cin, pads: [1, 1, 1, 1], strides: [2, 1] });
    const mid = dw.fast();
    const sep = node(Conv, [mid, p]).fast();
    const reg = node(Conv, [x, tensor([cout, cin, 3, 3], full)], { pads: [1, 1, 1, 1], strides: [2, 1] });
    expectClose(sep, reg.ref(), 1e-5, 1e-4);
    expectClose(sep, reg.fast(), 1e-5, 1e-4);
  });

  it('auto_pad SAME_UPPER / SAME_LOWER equal the explicit pads they imply (7x8, k=3, s=2)', () => {
    const x = random([1, 2, 7, 8], r);
    const w = random([3, 2, 3, 3], r);
    const upper = node(Conv, [x, w], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
    const lower = node(Conv, [x, w], { auto_pad: 'SAME_LOWER', strides: [2, 2] });
    expect((upper.attrs as ConvAttrs).pads).toEqual([1, 0, 1, 1]);
    expect((lower.attrs as ConvAttrs).pads).toEqual([1, 1, 1, 0]);
    expect(upper.shapes).toEqual([[1, 3, 4, 4]]);
    expectClose(upper.fast(), node(Conv, [x, w], { pads: [1, 0, 1, 1], strides: [2, 2] }).ref());
    expectClose(lower.fast(), node(Conv, [x, w], { pads: [1, 1, 1, 0], strides: [2, 2] }).ref());
    const valid = node(Conv, [x, w], { auto_pad: 'VALID', pads: [5, 5, 5, 5] });
    expect(valid.shapes).toEqual([[1, 3, 5, 6]]);
  });
});

describe('Conv fast == reference over seeded random configs', () => {
  const acts: FusedActivation[] = [
    { kind: 'none' },
    { kind: 'relu' },
    { kind: 'clip', min: -0.25, max: 0.5 },
    { kind: 'sigmoid' },
    { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
    { kind: 'hardswish' },
  ];
  const kinds = ['regular', 'depthwise', 'pointwise', 'grouped'] as const;
  const r = rng(2024);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const cases: { name: string; x: Tensor; w: Tensor; b: Tensor | null; attrs: Record<string, AttrValue>; act: FusedActivation }[] = [];
  for (let i = 0; i < 64; i++) {
    const kind = kinds[i % 4]!;
    const k = kind === 'pointwise' ? 1 : pick([1, 3, 3, 5, 7]);
    const s = kind === 'pointwise' ? 1 : pick([1, 2, 3]);
    const d = kind === 'pointwise' || k === 1 ? 1 : pick([1, 2]);
    const ek = (k - 1) * d + 1;
    const p = kind === 'pointwise' ? 0 : Math.floor(r() * (ek / 2 + 1));
    const asym = kind !== 'pointwise' && r() < 0.5;
    const pads = asym ? [0, 0, 0, 0].map(() => Math.floor(r() * (p + 2))) : [p, p, p, p];
    const n = 1 + Math.floor(r() * 3);
    let g = 1;
    let cin = 1 + Math.floor(r() * 40);
    let cout = 1 + Math.floor(r() * 40);
    if (kind === 'depthwise') {
      g = cin;
      cout = cin * (1 + Math.floor(r() * 3));
    } else if (kind === 'grouped') {
      g = pick([2, 3, 5]);
      cin = g * (1 + Math.floor(r() * 6));
      cout = g * (1 + Math.floor(r() * 6));
    }
    // keep the 7-loop reference cheap: shrink channels until the work is small
    const h = Math.max(ek - pads[0]! - pads[2]!, 1) + Math.floor(r() * 14);
    const wd = Math.max(ek - pads[1]! - pads[3]!, 1) + Math.floor(r() * 14);
    while (n * cout * (cin / g) * k * k * h * wd > 400_000 && kind !== 'depthwise' && cin > g && cout > g) {
      cin = Math.max(g, Math.floor(cin / 2 / g) * g);
      cout = Math.max(g, Math.floor(cout / 2 / g) * g);
    }
    const bias = r() < 0.5;
    const act = acts[i % acts.length]!;
    const x = random([n, cin, h, wd], r);
    const w = random([cout, cin / g, k, k], r);
    const attrs = { strides: [s, s], dilations: [d, d], pads, group: g };
    cases.push({
      name: `${kind} conv k=${k} s=${s} d=${d} pads=[${pads}] g=${g} cin=${cin} cout=${cout} n=${n} ${h}x${wd} bias=${bias} act=${act.kind}`,
      x, w, b: bias ? random([cout], r) : null, attrs, act,
    });
  }

  it.each(cases)('$name', ({ x, w, b, attrs, act }) => {
    const c = node(Conv, [x, w, b], attrs);
    expectClose(c.fast({ act }), c.ref({ act }), 1e-5, 1e-5);
  });
});

describe('Conv cost and errors', () => {
  it('separable 16->32 k3 pad1 no bias on 1x16x128x128 counts like torchinfo', () => {
    const x = tensor([1, 16, 128, 128]);
    const dw = node(Conv, [x, tensor([16, 1, 3, 3])], { group: 16, pads: [1, 1, 1, 1] });
    expect(dw.cost()).toEqual({ params: 144, macs: 2_359_296 });
    const pw = node(Conv, [x, tensor([32, 16, 1, 1])]);
    expect(pw.cost()).toEqual({ params: 512, macs: 8_388_608 });
    const withBias = node(Conv, [tensor([2, 3, 8, 8]), tensor([4, 3, 3, 3]), tensor([4])]);
    expect(withBias.cost()).toEqual({ params: 112, macs: 112 * 2 * 6 * 6 });
  });

  const bad: [string, (Tensor | null)[], Record<string, AttrValue>, RegExp][] = [
    ['Cin mismatch', [tensor([1, 4, 8, 8]), tensor([2, 3, 3, 3])], {}, /4 channels.*\[2, 3, 3, 3\]/],
    ['Cout not divisible by group', [tensor([1, 4, 8, 8]), tensor([3, 2, 3, 3])], { group: 2 }, /not divisible by group=2/],
    ['bad bias length', [tensor([1, 3, 8, 8]), tensor([2, 3, 3, 3]), tensor([3])], {}, /bias \[3\] must be \[2\]/],
    ['kernel larger than padded input', [tensor([1, 1, 4, 4]), tensor([1, 1, 7, 7])], { pads: [1, 1, 1, 1] }, /does not fit.*\[4, 4\]/],
    ['3-D input', [tensor([1, 3, 8]), tensor([2, 3, 3])], {}, /only 2-D convolution/],
    ['kernel_shape disagrees with weight', [tensor([1, 3, 8, 8]), tensor([2, 3, 3, 3])], { kernel_shape: [5, 5] }, /kernel_shape/],
    ['bad auto_pad', [tensor([1, 3, 8, 8]), tensor([2, 3, 3, 3])], { auto_pad: 'SAME' }, /auto_pad/],
  ];
  it.each(bad)('%s throws a ShapeError naming the node', (_name, inputs, attrs, msg) => {
    const go = () => node(Conv, inputs, attrs);
    expect(go).toThrow(ShapeError);
    expect(go).toThrow(/Conv node "conv_7"/);
    expect(go).toThrow(msg);
  });
});
