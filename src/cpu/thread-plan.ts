/** Timed runs per step and side before the plan is fixed. */
export const SAMPLES = 9;
/**
 * Runs on the team before measuring: helper threads compile the kernels themselves, first with V8's baseline
 * compiler; measured from the first run, a team looked no faster than one thread in Chromium (MobileNetV2 on 2
 * threads 15.2 ms as on 1; 10.5 ms once every step is put on the team).
 */
export const WARMUP = 8;
/** Runs a fixed plan lasts before it is measured again (the machine's load, hence the cheaper side, changes). */
export const REPLAN_RUNS = 64;
/** A step goes on the team only when its median time there is below this share of one thread's: noise favours one. */
const TEAM_GAIN = 0.9;
/**
 * Whole runs per side checking the per-step choice against one thread. Measured step by step, the team is kept busy
 * by every step; in the chosen plan its helpers may fall asleep between the steps left on one thread and pay a
 * wake-up at the next (2 threads measured slower than 1 on MediaPipe's face detectors, whose steps take ~30 µs).
 */
export const CHECKS = 4;
/** Runs after the warm-up before a plan is fixed: the step-by-step measurement, then the check. */
export const PLAN_RUNS = 2 * SAMPLES + 2 * CHECKS;

const median = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/**
 * Which steps of a model's runs on a thread team (a node, or a fused chain by its first node's index) pay for a
 * fork-join, measured on the machine itself: after WARMUP runs on the team, the next 2 × SAMPLES runs put every
 * step on one thread and on the team in turn; each step takes the side with the lower median time (the team by a
 * margin); 2 × CHECKS whole runs then compare that choice with one thread, and the faster (the choice by a margin)
 * is kept for REPLAN_RUNS runs, and measured again. A step too small to pay for waking the helpers (or on a machine
 * whose other cores are busy) runs on one thread, so more threads do not make a model slower than one. Every
 * kernel computes each element the same way whatever the split, so the choice never changes a result. A model
 * owns one plan per kind of run (plain, profiled).
 */
export class ThreadPlan {
  /** `alone(f)` runs f with every kernel on one thread. */
  constructor(private readonly alone: <T>(f: () => T) => T) {}
  private runs = 0;
  private times: [number[][], number[][]] = [[], []];
  private team?: boolean[];
  /** The step-by-step choice while it is checked against one thread, and the whole-run times of both sides. */
  private candidate?: boolean[];
  private runTimes: [number[], number[]] = [[], []];
  private runStart = NaN;

  /** Runs step `idx` of the current run on the team or on one thread, as the plan says (timing it while measuring). */
  step<T>(idx: number, f: () => T): T {
    if (this.team) return this.team[idx] ? f() : this.alone(f);
    if (this.runs < WARMUP) return f();
    if (this.candidate) {
      if (Number.isNaN(this.runStart)) this.runStart = performance.now();
      return (this.runs - WARMUP) & 1 && this.candidate[idx] ? f() : this.alone(f);
    }
    const side = (this.runs - WARMUP) & 1;
    const t0 = performance.now();
    const r = side ? f() : this.alone(f);
    (this.times[side][idx] ??= []).push(performance.now() - t0);
    return r;
  }

  /** Ends a run; the last measuring run fixes the plan, and a plan REPLAN_RUNS runs old is measured again. */
  done(): void {
    const side = (this.runs - WARMUP) & 1;
    const m = ++this.runs - WARMUP;
    if (this.candidate && !this.team) {
      this.runTimes[side].push(performance.now() - this.runStart);
      this.runStart = NaN;
    }
    if (m === 2 * SAMPLES) {
      const [one, team] = this.times;
      this.candidate = team.map((t, i) => median(t) < TEAM_GAIN * median(one[i]));
    } else if (m === PLAN_RUNS) {
      const [one, chosen] = this.runTimes;
      this.team = median(chosen) < TEAM_GAIN * median(one) ? this.candidate : this.candidate!.map(() => false);
    } else if (m === PLAN_RUNS + REPLAN_RUNS) {
      this.runs = WARMUP;
      this.times = [[], []];
      this.runTimes = [[], []];
      this.candidate = undefined;
      this.team = undefined;
    }
  }

  /** Steps that run on the team once the plan is fixed (undefined while measuring): for benchmarks and tests. */
  get chosen(): boolean[] | undefined {
    return this.team;
  }
}
