/** Timed runs per step and side before the plan is fixed. */
export const SAMPLES = 9;
/**
 * Runs on the team before measuring: helper threads compile the kernels themselves, first with V8's baseline
 * compiler; measured from the first run, a team looked no faster than one thread in Chromium (MobileNetV2 on 2
 * threads 15.2 ms as on 1; 10.5 ms once every step is put on the team).
 */
export const WARMUP = 8;
/** Runs a fixed plan lasts before its steps are measured again (the whole-run watch below follows the load between). */
export const REPLAN_RUNS = 256;
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
/**
 * Once the plan is fixed, every WATCH-th run takes the other side (the choice, or every step on one thread) and the
 * last WINDOW whole-run times of each side decide again: the other cores' load changes within seconds on a shared
 * machine (bench:tflite's 2-thread rows swung 2× between runs), and a choice kept for hundreds of runs made 2 threads
 * slower than 1 (face detector short range 2.6 vs 1.9 ms). A probe costs one run in WATCH at the slower side's time.
 */
export const WATCH = 8;
const WINDOW = 9;

const median = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/**
 * Which steps of a model's runs on a thread team (a node, or a fused chain by its first node's index) pay for a
 * fork-join, measured on the machine itself: after WARMUP runs on the team, the next 2 × SAMPLES runs put every
 * step on one thread and on the team in turn; each step takes the side with the lower median time (the team by a
 * margin); 2 × CHECKS whole runs then compare that choice with one thread, and the faster (the choice by a margin)
 * is kept, watched (WATCH) and switched whenever the other side's recent runs are the faster; after REPLAN_RUNS runs
 * the steps are measured again. A step too small to pay for waking the helpers (or on a machine whose other cores
 * are busy) runs on one thread, so more threads do not make a model slower than one. Every kernel computes each
 * element the same way whatever the split, so the choice never changes a result. A model owns one plan per kind of
 * run (plain, profiled).
 */
export class ThreadPlan {
  /** `alone(f)` runs f with every kernel on one thread. */
  constructor(private readonly alone: <T>(f: () => T) => T) {}
  private runs = 0;
  private times: [number[][], number[][]] = [[], []];
  /** The step-by-step choice (checked, then watched against one thread). */
  private candidate?: boolean[];
  /** Once fixed: the side runs take, 1 the candidate, 0 every step on one thread. */
  private side?: 0 | 1;
  /** Whole-run times, one thread's then the candidate's (the last WINDOW of each once fixed). */
  private runTimes: [number[], number[]] = [[], []];
  private runStart = NaN;
  /** Runs since the plan was fixed. */
  private fixedRuns = 0;

  /** The side run `fixedRuns` takes: every WATCH-th the other one (none to probe when the choice is one thread). */
  private sideNow(): 0 | 1 {
    const probe = this.fixedRuns % WATCH === WATCH - 1 && this.candidate!.some(Boolean);
    return probe ? ((1 - this.side!) as 0 | 1) : this.side!;
  }

  /** Runs step `idx` of the current run on the team or on one thread, as the plan says (timing it while measuring). */
  step<T>(idx: number, f: () => T): T {
    if (this.runs < WARMUP) return f();
    if (this.candidate) {
      if (Number.isNaN(this.runStart)) this.runStart = performance.now();
      const side = this.side === undefined ? (this.runs - WARMUP) & 1 : this.sideNow();
      return side && this.candidate[idx] ? f() : this.alone(f);
    }
    const side = (this.runs - WARMUP) & 1;
    const t0 = performance.now();
    const r = side ? f() : this.alone(f);
    (this.times[side][idx] ??= []).push(performance.now() - t0);
    return r;
  }

  /** Ends a run; the last measuring run fixes the plan, each probe may switch it, and an old one is measured again. */
  done(): void {
    if (this.runs < WARMUP) {
      this.runs++;
      return;
    }
    const ms = performance.now() - this.runStart;
    this.runStart = NaN;
    if (this.side !== undefined) {
      const side = this.sideNow();
      const t = this.runTimes[side];
      t.push(ms);
      if (t.length > WINDOW) t.shift();
      if (side !== this.side) this.decide();
      if (++this.fixedRuns === REPLAN_RUNS) this.remeasure();
      return;
    }
    const side = (this.runs - WARMUP) & 1;
    const m = ++this.runs - WARMUP;
    if (this.candidate) this.runTimes[side].push(ms);
    if (m === 2 * SAMPLES) {
      const [one, team] = this.times;
      this.candidate = team.map((t, i) => median(t) < TEAM_GAIN * median(one[i]));
    } else if (m === PLAN_RUNS) this.decide();
  }

  /** The candidate's side only if its recent whole runs beat one thread's by the margin. */
  private decide(): void {
    const [one, chosen] = this.runTimes;
    this.side = median(chosen) < TEAM_GAIN * median(one) ? 1 : 0;
  }

  private remeasure(): void {
    this.runs = WARMUP;
    this.times = [[], []];
    this.runTimes = [[], []];
    this.candidate = undefined;
    this.side = undefined;
    this.fixedRuns = 0;
  }

  /** Steps that run on the team once the plan is fixed (undefined while measuring): for benchmarks and tests. */
  get chosen(): boolean[] | undefined {
    if (this.side === undefined) return undefined;
    return this.side ? this.candidate : this.candidate!.map(() => false);
  }
}
