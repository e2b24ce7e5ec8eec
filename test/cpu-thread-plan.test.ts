// The thread plan (src/cpu/thread-plan.ts): a model on a team measures each step on the team and on one thread
// over its first runs, then keeps the faster side per step. Results stay bitwise those of one thread throughout.
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { REPLAN_RUNS, ThreadPlan } from '../src/cpu/thread-plan.js';
import { leaseTeam } from '../src/cpu/thread-team-node.js';
import { alone, wasm } from '../src/cpu/wasm-kernels.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('thread plan', () => {
  it('alone() shows the kernels one thread inside a team run, and the team again after', async () => {
    const { lease } = await leaseTeam(2);
    expect(lease).toBeDefined();
    try {
      lease!.run(() => {
        expect(wasm()!.threads).toBe(2);
        expect(alone(() => wasm()!.threads)).toBe(1);
        expect(() => alone(() => { throw new Error('x'); })).toThrow('x');
        expect(wasm()!.threads).toBe(2);
      });
    } finally {
      lease!.release();
    }
  });

  it('measures over runs 1–10, keeps its choice for REPLAN_RUNS runs, then measures again; every step runs once per run', () => {
    const plan = new ThreadPlan();
    let calls = 0;
    const fixed: boolean[] = [];
    for (let k = 0; k < 21 + 2 * REPLAN_RUNS; k++) {
      for (let i = 0; i < 3; i++) expect(plan.step(i, () => ++calls)).toBe(calls);
      fixed.push(plan.chosen !== undefined);
      if (k === 11) expect(plan.chosen!.length).toBe(3);
      plan.done();
    }
    expect(calls).toBe(3 * fixed.length);
    const measuring = fixed.flatMap((f, k) => (f ? [] : [k]));
    // run 0 (warm-up) and 1..10; then 10 more measuring runs (no second warm-up)
    expect(measuring).toEqual([...Array(11).keys(), ...Array.from({ length: 10 }, (_, i) => 11 + REPLAN_RUNS + i)]);
  });

  it('MobileNetV2 64² on 2 threads with a plan: every run, while measuring and after, bitwise equal to one thread', async () => {
    const rg = optimize(resolve(mobilenetV2(64, 10)), { cpu: true }).graph;
    const [[input, shape]] = [...rg.inputShapes];
    const x = Float32Array.from({ length: shape!.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.011));
    const one = (o: Parameters<typeof runCpu>[2]) => bytes([...runCpu(rg, { [input!]: x }, o).values()][0]!.data as Float32Array);
    const want = one({});
    // node by node (a profiled run fuses no chain): its own one-thread result
    const wantNodes = one({ onNode: () => {} });
    const { lease } = await leaseTeam(2);
    const plan = new ThreadPlan();
    const profiled = new ThreadPlan();
    try {
      for (let k = 0; k < 14; k++) {
        expect(plan.chosen === undefined, `run ${k}: plan fixed`).toBe(k < 11);
        const got = lease!.run(() => [...runCpu(rg, { [input!]: x }, { plan }).values()][0]!.data as Float32Array);
        expect(bytes(got).equals(want), `run ${k}`).toBe(true);
        const prof = lease!.run(() => [...runCpu(rg, { [input!]: x }, { plan: profiled, onNode: () => {} }).values()][0]!.data as Float32Array);
        expect(bytes(prof).equals(wantNodes), `profiled run ${k}`).toBe(true);
      }
      // one choice per step: fused chains count as one step, so the plain plan has fewer than the profiled one
      const steps = (p: ThreadPlan) => p.chosen!.filter((t) => t !== undefined).length;
      expect(steps(profiled)).toBe(rg.nodes.length);
      expect(steps(plan)).toBeLessThan(rg.nodes.length);
    } finally {
      lease!.release();
    }
  }, 120_000);
});
