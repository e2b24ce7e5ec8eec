import { describe, expect, it } from 'vitest';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { runCpu } from '../src/cpu/run.js';
import { resolve } from '../src/graph/resolve.js';
import { elideBoundaryTransposes } from '../src/gpu/boundary.js';
import { binary, concat, conv2d, depthwiseConv2d, pad, pool, reduce, reshape, stridedSlice, TfBuilder, transpose, type TfTensor } from '../src/tf/index.js';

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

/** Plain NHWC conv with HWIO filter and TF SAME/VALID padding: an independent oracle for the lowering. */
function convNhwc(x: Float32Array, [N, H, W, C]: number[], f: Float32Array, [kh, kw, ci, co]: number[], s: number, same: boolean, depthwise: boolean) {
  const Ho = same ? Math.ceil(H / s) : Math.floor((H - kh) / s) + 1;
  const Wo = same ? Math.ceil(W / s) : Math.floor((W - kw) / s) + 1;
  const pt = same ? Math.floor(Math.max((Ho - 1) * s + kh - H, 0) / 2) : 0;
  const pl = same ? Math.floor(Math.max((Wo - 1) * s + kw - W, 0) / 2) : 0;
  const Co = depthwise ? C * co : co;
  const y = new Float32Array(N * Ho * Wo * Co);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let oc = 0; oc < Co; oc++) {
          let acc = 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * s - pt + ky;
              const ix = ox * s - pl + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              if (depthwise) {
                const c = Math.floor(oc / co);
                acc += x[((n * H + iy) * W + ix) * C + c]! * f[((ky * kw + kx) * ci + c) * co + (oc % co)]!;
              } else
                for (let c = 0; c < ci; c++) acc += x[((n * H + iy) * W + ix) * C + c]! * f[((ky * kw + kx) * ci + c) * co + oc]!;
            }
          y[((n * Ho + oy) * Wo + ox) * Co + oc] = acc;
        }
  return { y, shape: [N, Ho, Wo, Co] };
}

function run(b: TfBuilder, outs: { name: string; tensor: TfTensor }[], feeds: Record<string, Float32Array>) {
  const g = b.finish(outs);
  return { g, out: runCpu(resolve(g), feeds) };
}

function close(a: ArrayLike<number>, e: ArrayLike<number>, tol = 1e-5) {
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('TF lowering (src/tf)', () => {
  for (const [H, W, s, same, k] of [
    [7, 9, 2, true, 3],
    [8, 8, 1, false, 3],
    [5, 6, 2, false, 1],
    [6, 5, 3, true, 2],
  ] as const) {
    it(`conv2d and depthwise match an NHWC oracle, x=1x${H}x${W}x3,k=${k},s=${s},p=${same ? 'same' : 'valid'}`, () => {
      const xs = [1, H, W, 3];
      const x = rand(H * W * 3, 1);
      const f = rand(k * k * 3 * 4, 2);
      const fd = rand(k * k * 3 * 2, 3);
      const b = new TfBuilder();
      const xi = b.input('x', xs);
      const o = { strides: [s, s] as [number, number], padding: same ? ('SAME' as const) : ('VALID' as const) };
      const c = conv2d(b, 'c', xi, b.constant('f', [k, k, 3, 4], f), undefined, o);
      const d = depthwiseConv2d(b, 'd', xi, b.constant('fd', [k, k, 3, 2], fd), undefined, o);
      const { out } = run(b, [{ name: 'c', tensor: c }, { name: 'd', tensor: d }], { x });
      const rc = convNhwc(x, xs, f, [k, k, 3, 4], s, same, false);
      const rd = convNhwc(x, xs, fd, [k, k, 3, 2], s, same, true);
      expect(out.get('c')!.shape).toEqual(rc.shape);
      close(out.get('c')!.data, rc.y);
      expect(out.get('d')!.shape).toEqual(rd.shape);
      close(out.get('d')!.data, rd.y);
    });
  }

  it('keeps 4-D tensors NCHW between layout-sensitive ops: one Transpose in, one out', () => {
    const b = new TfBuilder();
    const x = b.input('x', [1, 6, 6, 2]);
    const c = conv2d(b, 'c', x, b.constant('f', [1, 1, 2, 2], rand(4, 4)), undefined, { padding: 'SAME' });
    const p = pool(b, 'p', 'max', c, { kernel: [2, 2], strides: [2, 2], padding: 'VALID' });
    const q = pad(b, 'q', p, [[0, 0], [1, 1], [0, 1], [0, 0]]);
    const cc = concat(b, 'cc', [q, q], 3);
    const m = reduce(b, 'm', 'Mean', cc, [1, 2], true);
    const g = b.finish([{ name: 'y', tensor: m }]);
    expect(g.nodes.filter((n) => n.op === 'Transpose').length).toBe(1);
    expect(g.nodes.map((n) => n.op)).toEqual(['Transpose', 'Conv', 'MaxPool', 'Pad', 'Concat', 'ReduceMean', 'Reshape']);
  });

  it('strided slice with masks, reshape and transpose follow TF semantics', () => {
    const b = new TfBuilder();
    const x = b.input('x', [2, 3, 4, 5]);
    const xs = rand(120, 9);
    const c = conv2d(b, 'c', x, b.constant('f', [1, 1, 5, 5], [...Array(25)].map((_, i) => (i % 6 === 0 ? 1 : 0))), undefined, { padding: 'VALID' });
    // c == x (identity 1x1 conv), held NCHW
    const s = stridedSlice(b, 's', c, [0, 1, 0, 0], [0, 3, -1, 5], [1, 1, 2, 1], { beginMask: 1, endMask: 1 | 8, shrinkAxisMask: 0 });
    const e = stridedSlice(b, 'e', c, [0, 2], [0, 0], [1, 1], { ellipsisMask: 1, shrinkAxisMask: 2 });
    const t = transpose(b, 't', c, [0, 3, 1, 2]);
    const r = reshape(b, 'r', c, [2, -1]);
    const { out } = run(b, [{ name: 's', tensor: s }, { name: 'e', tensor: e }, { name: 't', tensor: t }, { name: 'r', tensor: r }], { x: xs });
    const at = (n: number, h: number, w: number, ch: number) => xs[((n * 3 + h) * 4 + w) * 5 + ch]!;
    const exp = (shape: number[], f: (i: number[]) => number) => {
      const vals: number[] = [];
      const rec = (pre: number[]) => (pre.length === shape.length ? vals.push(f(pre)) : [...Array(shape[pre.length])].forEach((_, i) => rec([...pre, i])));
      rec([]);
      return vals;
    };
    expect(out.get('s')!.shape).toEqual([2, 2, 2, 5]);
    close(out.get('s')!.data, exp([2, 2, 2, 5], ([n, h, w, ch]) => at(n!, h! + 1, w! * 2, ch!)));
    expect(out.get('e')!.shape).toEqual([2, 3, 4]);
    close(out.get('e')!.data, exp([2, 3, 4], ([n, h, w]) => at(n!, h!, w!, 2)));
    expect(out.get('t')!.shape).toEqual([2, 5, 3, 4]);
    close(out.get('t')!.data, exp([2, 5, 3, 4], ([n, ch, h, w]) => at(n!, h!, w!, ch!)));
    close(out.get('r')!.data, xs);
  });

  it('folds a per-channel constant Add after a bias-less conv into its bias (TF Conv2D + BiasAdd), same values', () => {
    const x = rand(2 * 5 * 5 * 3, 11);
    const build = (fold: boolean) => {
      const b = new TfBuilder();
      const xi = b.input('x', [2, 5, 5, 3]);
      const c = conv2d(b, 'c', xi, b.constant('f', [3, 3, 3, 4], rand(108, 12)), undefined, { padding: 'SAME' });
      const bias = b.constant('bias', [4], [0.5, -1, 2, 0.25]);
      // as the second operand of a Mul by one the constant is not foldable: the reference graph
      const y = fold ? binary(b, 'add', 'Add', c, bias) : binary(b, 'add', 'Add', binary(b, 'one', 'Mul', c, b.constant('one', [], [1])), bias);
      return b.finish([{ name: 'y', tensor: y }]);
    };
    const g = build(true);
    expect(g.nodes.map((n) => n.op)).toEqual(['Transpose', 'Conv', 'Transpose']);
    expect(g.nodes[1]!.inputs.length).toBe(3);
    close(runCpu(resolve(g), { x }).get('y')!.data, runCpu(resolve(build(false)), { x }).get('y')!.data);
  });

  it('pads a graph input in its NCHW form: the Pad follows the free boundary Transpose and folds into the conv', () => {
    const xs = [1, 7, 9, 3];
    const x = rand(7 * 9 * 3, 14);
    const f = rand(3 * 3 * 3 * 4, 15);
    const build = (alsoPad: boolean) => {
      const b = new TfBuilder();
      // "same" padding as a TF.js export spells it: ZeroPadding2D, then a VALID stride-2 conv
      const p = pad(b, 'p', b.input('x', xs), [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const c = conv2d(b, 'c', p, b.constant('f', [3, 3, 3, 4], f), undefined, { strides: [2, 2], padding: 'VALID' });
      return b.finish([{ name: 'c', tensor: c }, ...(alsoPad ? [{ name: 'p', tensor: p }] : [])]);
    };
    const g = build(false);
    expect(g.nodes.map((n) => n.op)).toEqual(['Transpose', 'Pad', 'Conv', 'Transpose']);
    const rg = resolve(g);
    expect(new ArenaProgram(rg).plan.steps.some((st) => st.node === 1), 'a step for the Pad').toBe(false);
    const want = convNhwc(x, xs, f, [3, 3, 3, 4], 2, true, false);
    const got = runCpu(rg, { x }).get('c')!;
    expect(got.shape).toEqual(want.shape);
    close(got.data, want.y);
    // the padded input as an output too: back in TF layout
    const out = runCpu(resolve(build(true)), { x }).get('p')!;
    expect(out.shape).toEqual([1, 9, 11, 3]);
    close(out.data, Float32Array.from({ length: 9 * 11 * 3 }, (_, i) => {
      const [h, w, ch] = [Math.floor(i / 33), Math.floor(i / 3) % 11, i % 3];
      return h < 1 || h > 7 || w < 1 || w > 9 ? 0 : x[((h - 1) * 9 + w - 1) * 3 + ch]!;
    }));
  });

  it('the GPU path drops the NHWC boundary Transposes of a TF graph (they move raw)', () => {
    const b = new TfBuilder();
    const xi = b.input('x', [1, 6, 6, 3]);
    const c = conv2d(b, 'c', xi, b.constant('f', [1, 1, 3, 4], rand(12, 13)), undefined, { padding: 'VALID' });
    const rg = resolve(b.finish([{ name: 'y', tensor: c }]));
    expect(rg.nodes.map((n) => n.node.op)).toEqual(['Transpose', 'Conv', 'Transpose']);
    const { rg: gpu, raw } = elideBoundaryTransposes(rg);
    expect(gpu.nodes.map((n) => n.node.op)).toEqual(['Conv']);
    expect(gpu.nodes[0]!.node.inputs[0]).toBe('x');
    expect(gpu.nodes[0]!.node.outputs[0]).toBe('y');
    expect([...raw].sort()).toEqual(['x', 'y']);
  });
});
