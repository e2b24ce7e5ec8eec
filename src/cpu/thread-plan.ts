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

const median = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/**
 * Which steps of a model's runs on a thread team (a node, or a fused chain by its first node's index) pay for a
 * fork-join, measured on the machine itself: after WARMUP runs on the team, the next 2 × SAMPLES runs put every
 * step on one thread and on the team in turn; then each step keeps the side with the lower median time (the team by a margin)
 * for REPLAN_RUNS runs, and is measured again. A step too small to pay for waking the helpers (or on a machine
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

  /** Runs step `idx` of the current run on the team or on one thread, as the plan says (timing it while measuring). */
  step<T>(idx: number, f: () => T): T {
    if (this.team) return this.team[idx] ? f() : this.alone(f);
    if (this.runs < WARMUP) return f();
    const side = (this.runs - WARMUP) & 1;
    const t0 = performance.now();
    const r = side ? f() : this.alone(f);
    (this.times[side][idx] ??= []).push(performance.now() - t0);
    return r;
  }

  /** Ends a run; the last measuring run fixes the plan, and a plan REPLAN_RUNS runs old is measured again. */
  done(): void {
    const n = ++this.runs - WARMUP - 2 * SAMPLES;
    if (n === 0) {
      const [one, team] = this.times;
      this.team = team.map((t, i) => median(t) < TEAM_GAIN * median(one[i]));
    } else if (n === REPLAN_RUNS) {
      this.runs = WARMUP;
      this.times = [[], []];
      this.team = undefined;
    }
  }

  /** Steps that run on the team once the plan is fixed (undefined while measuring): for benchmarks and tests. */
  get chosen(): boolean[] | undefined {
    return this.team;
  }
}
