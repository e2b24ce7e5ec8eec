// The thread plan (src/cpu/thread-plan.ts): a model on a team measures each step on the team and on one thread
// over its first runs, then keeps the faster side per step. Results stay bitwise those of one thread throughout.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { PLAN_RUNS, REPLAN_RUNS, SAMPLES, ThreadPlan, WARMUP, WATCH } from '../src/cpu/thread-plan.js';
import { nodeTeam } from '../src/cpu/thread-team-node.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const ends: (() => void)[] = [];
afterAll(() => ends.forEach((e) => e()));

/** A plan whose alone() sets a flag while its step runs: single() says whether a step runs on one thread. */
function bracketed(): { plan: ThreadPlan; single: () => boolean } {
  let alone = false;
  const plan = new ThreadPlan(<T>(f: () => T) => {
    alone = true;
    try {
      return f();
    } finally {
      alone = false;
    }
  });
  return { plan, single: () => alone };
}

describe('thread plan', () => {
  it('alone() brackets a step: its calls see one thread, and the team again after (also when the step throws)', () => {
    const { plan, single } = bracketed();
    const seen: boolean[] = [];
    for (let k = 0; k < WARMUP + 2 * SAMPLES; k++) {
      plan.step(0, () => seen.push(single()));
      plan.done();
    }
    // WARMUP runs on the team, then one thread and the team in turn
    expect(seen).toEqual([...new Array(WARMUP).fill(false), ...Array.from({ length: 2 * SAMPLES }, (_, i) => i % 2 === 0)]);
    expect(() => plan.step(0, () => { throw new Error('x'); })).toThrow('x');
    expect(single()).toBe(false);
  });

  it('warms up, measures PLAN_RUNS runs, keeps its choice for REPLAN_RUNS runs, then measures again; every step runs once per run', () => {
    const plan = new ThreadPlan((f) => f());
    let calls = 0;
    const fixed: boolean[] = [];
    const first = WARMUP + PLAN_RUNS;
    for (let k = 0; k < first + 2 * REPLAN_RUNS; k++) {
      for (let i = 0; i < 3; i++) expect(plan.step(i, () => ++calls)).toBe(calls);
      fixed.push(plan.chosen !== undefined);
      if (k === first) expect(plan.chosen!.length).toBe(3);
      plan.done();
    }
    expect(calls).toBe(3 * fixed.length);
    const measuring = fixed.flatMap((f, k) => (f ? [] : [k]));
    // the warm-up and the first measurement; then PLAN_RUNS more measuring runs (no second warm-up)
    expect(measuring).toEqual([...Array(first).keys(), ...Array.from({ length: PLAN_RUNS }, (_, i) => first + REPLAN_RUNS + i)]);
  });

  it('keeps the step-by-step choice only if whole runs with it beat one thread (a clock the test drives)', () => {
    for (const [checkCost, kept] of [[3, false], [1, true]] as const) {
      let clock = 0;
      const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
      const { plan, single } = bracketed();
      for (let k = 0; k < WARMUP + PLAN_RUNS; k++) {
        // step by step the team is faster (1 vs 2); while the choice is checked a team step costs checkCost
        const team = k < WARMUP + 2 * SAMPLES ? 1 : checkCost;
        for (let i = 0; i < 3; i++) plan.step(i, () => (clock += single() ? 2 : team));
        plan.done();
      }
      now.mockRestore();
      expect(plan.chosen, `check cost ${checkCost}`).toEqual([kept, kept, kept]);
    }
  });

  it('once fixed, watches: every WATCH-th run takes the other side, and the sides switch as the load changes', () => {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const { plan, single } = bracketed();
      let teamCost = 1;
      const sides: boolean[] = [];
      const run = () => {
        let alone = true;
        for (let i = 0; i < 3; i++)
          plan.step(i, () => {
            alone &&= single();
            clock += single() ? 2 : teamCost;
          });
        plan.done();
        return alone;
      };
      for (let k = 0; k < WARMUP + PLAN_RUNS; k++) run();
      expect(plan.chosen).toEqual([true, true, true]);
      // the helpers' cores get busy: the team's steps now cost 5, one thread's still 2
      teamCost = 5;
      for (let k = 0; k < 2 * WATCH; k++) sides.push(run());
      expect(plan.chosen).toEqual([false, false, false]);
      // while on one thread, one run in WATCH probes the team
      sides.length = 0;
      for (let k = 0; k < 4 * WATCH; k++) sides.push(run());
      expect(sides.filter((a) => !a).length).toBe(4);
      // the load goes away: the team wins its probes back
      teamCost = 1;
      for (let k = 0; k < 12 * WATCH && !plan.chosen![0]; k++) run();
      expect(plan.chosen).toEqual([true, true, true]);
    } finally {
      now.mockRestore();
    }
  });

  it('MobileNetV2 64² on 2 threads with a plan: every run, while measuring and after, bitwise equal to one thread', async () => {
    const rg = optimize(resolve(mobilenetV2(64, 10)), { cpu: true }).graph;
    const [[input, shape]] = [...rg.inputShapes];
    const x = Float32Array.from({ length: shape!.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.011));
    const single = new ArenaProgram(rg);
    const want = bytes([...single.run({ [input!]: x }).values()][0]!.data);
    const p = new ArenaProgram(rg, { shared: true, threads: 2 });
    const t = await nodeTeam(p.teamKernels(), 2);
    ends.push(t.end);
    expect(t.why).toBeUndefined();
    p.useTeam(t.team);
    for (let k = 0; k < WARMUP + PLAN_RUNS + 3; k++) {
      expect(p.plans[0].chosen === undefined, `run ${k}: plan fixed`).toBe(k < WARMUP + PLAN_RUNS);
      expect(bytes([...p.run({ [input!]: x }).values()][0]!.data).equals(want), `run ${k}`).toBe(true);
      expect(bytes([...p.run({ [input!]: x }, () => undefined).values()][0]!.data).equals(want), `profiled run ${k}`).toBe(true);
    }
    expect(p.plans[0].chosen!.length).toBeGreaterThan(rg.nodes.length / 2);
  }, 120_000);
});
