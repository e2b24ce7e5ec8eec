import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planOffsets } from '../src/cpu/arena/offsets.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { runCpu } from '../src/cpu/run.js';
import { load } from '../src/node.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('planOffsets (greedy by size)', () => {
  it('never overlaps two buffers alive at the same step, and reuses memory', () => {
    const r = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const items = Array.from({ length: 1 + Math.floor(r() * 30) }, () => {
        const first = Math.floor(r() * 40);
        return { bytes: 1 + Math.floor(r() * 5000), first, last: first + Math.floor(r() * 10) };
      });
      const { offsets, total } = planOffsets(items);
      for (let i = 0; i < items.length; i++) {
        expect(offsets[i]! % 16).toBe(0);
        expect(offsets[i]! + items[i]!.bytes).toBeLessThanOrEqual(total);
        for (let j = 0; j < i; j++) {
          const a = items[i]!, b = items[j]!;
          if (a.first > b.last || b.first > a.last) continue;
          const disjoint = offsets[i]! + a.bytes <= offsets[j]! || offsets[j]! + b.bytes <= offsets[i]!;
          expect(disjoint, `buffers ${i} and ${j}`).toBe(true);
        }
      }
      const sum = items.reduce((a, b) => a + ((b.bytes + 15) & ~15), 0);
      expect(total).toBeLessThanOrEqual(sum);
    }
  });
});

describe('ArenaProgram', () => {
  it('runs MediaPipe face detector like the reference, TFLite layout transposes as aliases', async () => {
    const bytes = readFileSync('node_modules/@mediapipe/face_detection/face_detection_short_range.tflite');
    const m = await load(new Uint8Array(bytes), { backend: 'cpu', worker: false });
    const rg = m.graph;
    const p = new ArenaProgram(rg);
    const shape = rg.inputShapes.values().next().value as number[];
    const r = rng(5);
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1);
    const name = rg.inputShapes.keys().next().value as string;
    const got = p.run({ [name]: x });
    const want = runCpu(rg, { [name]: x }, { fast: false });
    for (const [k, t] of want) {
      const g = got.get(k)!;
      expect(g.shape).toEqual(t.shape);
      let worst = 0;
      for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(g.data[i]! - t.data[i]!) / Math.max(1, Math.abs(t.data[i]!)));
      expect(worst, k).toBeLessThan(1e-4);
    }
    const s = p.stats;
    expect(s.arena).toBeLessThan(s.activations);
    expect(s.fallbacks).toEqual({});
    // a profiled run reports every node once, in order, aliases (no step) included
    const seen: number[] = [];
    p.run({ [name]: x }, (node) => seen.push(node));
    expect(seen).toEqual(rg.nodes.map((_, i) => i));
    m.dispose();
  });
});

describe('zero Pads into the convs reading them', () => {
  it('a spatial zero Pad read only by convs runs no step; results match the reference; a Pad also read elsewhere stays', async () => {
    const { resolve } = await import('../src/graph/resolve.js');
    const r = rng(9);
    const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1) });
    const ints = (v: number[]) => ({ shape: [v.length], ints: Float64Array.from(v) });
    const graph = (alsoOutput: boolean) => ({
      name: 'pads', opset: 17, inputs: [{ name: 'x', shape: [1, 8, 9, 7] }], outputs: alsoOutput ? ['y', 'z', 'p'] : ['y', 'z'],
      initializers: new Map<string, unknown>([
        ['pads', ints([0, 0, 1, 2, 0, 0, 2, 1])], ['wd', t([8, 1, 3, 3])], ['bd', t([8])], ['wf', t([4, 8, 3, 3])],
      ]),
      nodes: [
        { name: 'pad', op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'], attrs: {} },
        { name: 'dw', op: 'Conv', inputs: ['p', 'wd', 'bd'], outputs: ['y'], attrs: { group: 8, strides: [2, 1] } },
        { name: 'full', op: 'Conv', inputs: ['p', 'wf'], outputs: ['z'], attrs: { pads: [1, 1, 1, 1] } },
      ],
    });
    for (const alsoOutput of [false, true]) {
      const rg = resolve(graph(alsoOutput) as never);
      const p = new ArenaProgram(rg);
      const padSteps = p.plan.steps.filter((s) => s.node === 0).length;
      expect(padSteps, `pad steps (pad also an output: ${alsoOutput})`).toBe(alsoOutput ? 1 : 0);
      const x = t([1, 8, 9, 7]).data;
      const got = p.run({ x });
      for (const [k, want] of runCpu(rg, { x }, { fast: false })) {
        expect(got.get(k)!.shape).toEqual(want.shape);
        want.data.forEach((v, i) => expect(Math.abs(got.get(k)!.data[i]! - v), `${k}[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
      }
    }
  });
});

describe('graph outputs written NCHW by their producer', () => {
  it('a pointwise or general conv whose output is a graph output no node reads has no conversion step after it', async () => {
    const { resolve } = await import('../src/graph/resolve.js');
    const r = rng(11);
    const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1) });
    // dw 3×3 → pw 1×1 (y), and a 3×3 conv (z); with `alsoRead`, a Relu reads y, so y stays NHWC and is converted
    const graph = (alsoRead: boolean) => ({
      name: 'outs', opset: 17, inputs: [{ name: 'x', shape: [2, 6, 7, 5] }], outputs: alsoRead ? ['y', 'z', 'u'] : ['y', 'z'],
      initializers: new Map<string, unknown>([['wd', t([6, 1, 3, 3])], ['wp', t([11, 6, 1, 1])], ['bp', t([11])], ['wf', t([9, 6, 3, 3])]]),
      nodes: [
        { name: 'dw', op: 'Conv', inputs: ['x', 'wd'], outputs: ['d'], attrs: { group: 6, pads: [1, 1, 1, 1] } },
        { name: 'pw', op: 'Conv', inputs: ['d', 'wp', 'bp'], outputs: ['y'], attrs: {} },
        { name: 'full', op: 'Conv', inputs: ['x', 'wf'], outputs: ['z'], attrs: { pads: [1, 0, 1, 2] } },
        ...(alsoRead ? [{ name: 'relu', op: 'Relu', inputs: ['y'], outputs: ['u'], attrs: {} }] : []),
      ],
    });
    for (const alsoRead of [false, true]) {
      const rg = resolve(graph(alsoRead) as never);
      const p = new ArenaProgram(rg);
      const at = (name: string) => rg.nodes.findIndex((n) => n.node.name === name);
      const fns = (name: string) => p.plan.steps.filter((s) => s.node === at(name)).flatMap((s) => ('calls' in s ? s.calls.map((c) => c.fn) : ['js']));
      expect(p.plan.values.get('z')!.layout).toBe('plain');
      expect(p.plan.outputs.get('z')).toBe('z');
      if (alsoRead) {
        expect(p.plan.values.get('y')!.layout).toBe('nhwc');
        expect(p.plan.steps.filter((s) => 'calls' in s && s.calls.some((c) => c.fn === 'tensor_copy')).length, 'x in, y and u out').toBe(3);
      } else {
        expect(fns('pw')).toEqual(['gemm_4x8_ls', 'gemm_4x8_ls']);
        expect(p.plan.values.get('y')!.layout).toBe('plain');
        expect(p.plan.outputs.get('y')).toBe('y');
        // the only conversion left is the input's, NCHW → NHWC
        expect(p.plan.steps.filter((s) => 'calls' in s && s.calls.some((c) => c.fn === 'tensor_copy')).map((s) => s.node)).toEqual([at('dw')]);
      }
      const x = t([2, 6, 7, 5]).data;
      const got = p.run({ x });
      for (const [k, want] of runCpu(rg, { x }, { fast: false })) {
        expect(got.get(k)!.shape).toEqual(want.shape);
        want.data.forEach((v, i) => expect(Math.abs(got.get(k)!.data[i]! - v), `${k}[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
      }
    }
  });
});

describe('outputs written into given buffers (run into)', () => {
  it('an output given a buffer of its size is written there, the same values as a fresh array; any other is fresh', async () => {
    const { resolve } = await import('../src/graph/resolve.js');
    const r = rng(13);
    const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1) });
    const rg = resolve({
      name: 'two', opset: 17, inputs: [{ name: 'x', shape: [1, 5, 40, 30] }], outputs: ['y', 'z'],
      initializers: new Map<string, unknown>([['w', t([7, 5, 1, 1])]]),
      nodes: [
        { name: 'pw', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: {} },
        { name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['z'], attrs: {} },
      ],
    } as never);
    const p = new ArenaProgram(rg);
    const x1 = t([1, 5, 40, 30]).data;
    const x2 = t([1, 5, 40, 30]).data;
    const fresh = p.run({ x: x1 });
    const y = new ArrayBuffer(7 * 40 * 30 * 4);
    const z = new ArrayBuffer(5 * 40 * 30 * 4);
    const wrong = new ArrayBuffer(z.byteLength - 4);
    const first = p.run({ x: x1 }, undefined, { y, z });
    expect(first.get('y')!.data.buffer).toBe(y);
    expect(first.get('z')!.data.buffer).toBe(z);
    for (const k of ['y', 'z']) expect(first.get(k)!.data, k).toEqual(fresh.get(k)!.data);
    const kept = new Map([...first].map(([k, v]) => [k, v.data.slice()]));
    const second = p.run({ x: x2 }, undefined, { z: wrong });
    expect(second.get('z')!.data.buffer, 'a buffer of another size is not used').not.toBe(wrong);
    expect(new Float32Array(wrong).every((v) => v === 0)).toBe(true);
    for (const k of ['y', 'z']) {
      expect(first.get(k)!.data, `${k} untouched by later runs`).toEqual(kept.get(k));
      expect(second.get(k)!.data).not.toEqual(first.get(k)!.data);
    }
  });
});
