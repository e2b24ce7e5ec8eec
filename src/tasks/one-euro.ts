// Landmark smoothing over video frames, MediaPipe's LandmarksSmoothingCalculator with its one-euro filter
// (mediapipe/calculators/util/landmarks_smoothing_calculator_utils.cc OneEuroFilterImpl, mediapipe/util/filtering/
// one_euro_filter.cc, low_pass_filter.cc), in float64 where MediaPipe keeps the low-pass state in float32:
//   value scale s = 1 / object scale, object scale = (width + height) / 2 of the landmarks' box (pixels); below
//   minAllowedObjectScale the landmarks pass through
//   per coordinate: f = 1000 / (t − t_prev) Hz (the configured frequency until two timestamps are known),
//   dx = (x − x_prev raw)·s·f (0 on the first value), edx = lowpass(dx, α(derivateCutoff)),
//   x̂ = lowpass(x, α(minCutoff + beta·|edx|)), α(c) = 1 / (1 + f / (2π·c)), lowpass(v, α) = α·v + (1 − α)·previous
import { InputError } from '../errors.js';
import type { OneEuroParams } from './params.js';
import type { VideoTask } from './video.js';

class LowPass {
  private started = false;
  raw = 0;
  private stored = 0;

  get hasRaw(): boolean {
    return this.started;
  }

  apply(value: number, alpha: number): number {
    const out = this.started ? alpha * value + (1 - alpha) * this.stored : value;
    this.started = true;
    this.raw = value;
    this.stored = out;
    return out;
  }
}

/** One coordinate's filter: OneEuroFilter::Apply. */
export class OneEuroFilter {
  private frequency: number;
  private lastMs = 0;
  private readonly x = new LowPass();
  private readonly dx = new LowPass();

  constructor(private readonly p: OneEuroParams) {
    this.frequency = p.frequency;
  }

  private alpha(cutoff: number): number {
    return 1 / (1 + this.frequency / (2 * Math.PI * cutoff));
  }

  apply(timestampMs: number, valueScale: number, value: number): number {
    // MediaPipe returns the value unfiltered for a timestamp not after the last; 0 stands for "none yet" there too
    if (this.lastMs >= timestampMs) return value;
    if (this.lastMs !== 0 && timestampMs !== 0) this.frequency = 1000 / (timestampMs - this.lastMs);
    this.lastMs = timestampMs;
    const dvalue = this.x.hasRaw ? (value - this.x.raw) * valueScale * this.frequency : 0;
    const edvalue = this.dx.apply(dvalue, this.alpha(this.p.derivateCutoff));
    return this.x.apply(value, this.alpha(this.p.minCutoff + this.p.beta * Math.abs(edvalue)));
  }
}

type Point3 = { readonly x: number; readonly y: number; readonly z: number };

/** The landmarks' object scale: the mean of their box's width and height (GetObjectScale). */
export function objectScale(points: readonly Point3[]): number {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return (Math.max(...xs) - Math.min(...xs) + Math.max(...ys) - Math.min(...ys)) / 2;
}

/** One landmark list's filters (x, y, z of each landmark), created on the first list. */
export class LandmarksSmoother {
  private filters: OneEuroFilter[] = [];

  constructor(private readonly p: OneEuroParams) {}

  apply<T extends Point3>(points: readonly T[], timestampMs: number): T[] {
    const scale = objectScale(points);
    if (!(scale >= this.p.minAllowedObjectScale)) return [...points];
    if (this.filters.length !== 3 * points.length) this.filters = Array.from({ length: 3 * points.length }, () => new OneEuroFilter(this.p));
    const f = this.filters;
    return points.map((q, i) => ({ ...q, x: f[3 * i]!.apply(timestampMs, 1 / scale, q.x), y: f[3 * i + 1]!.apply(timestampMs, 1 / scale, q.y), z: f[3 * i + 2]!.apply(timestampMs, 1 / scale, q.z) }));
  }
}

/**
 * detectForVideo with each result's `landmarks` smoothed. Results are matched to filters by their place in the list;
 * when the number of results changes every filter starts again (no smoothing across two different hands), as
 * MediaPipe resets its filters when the landmarks go missing.
 */
export function smoothedVideo<R extends { readonly landmarks: readonly Point3[] }, F>(
  detectForVideo: (frame: F, timestampMs: number) => Promise<R[]>,
  params: OneEuroParams,
): (frame: F, timestampMs: number) => Promise<R[]> {
  for (const k of ['frequency', 'minCutoff', 'derivateCutoff'] as const)
    if (!(params[k] > 0)) throw new InputError(`smoothing: ${k} must be a positive number, got ${params[k]}`);
  if (!(params.beta >= 0)) throw new InputError(`smoothing: beta must be ≥ 0, got ${params.beta}`);
  let smoothers: LandmarksSmoother[] = [];
  return async (frame, timestampMs) => {
    const results = await detectForVideo(frame, timestampMs);
    if (results.length !== smoothers.length) smoothers = results.map(() => new LandmarksSmoother(params));
    return results.map((r, i) => ({ ...r, landmarks: smoothers[i]!.apply(r.landmarks, timestampMs) }));
  };
}

/** `task` with detectForVideo smoothed when `smoothing` asks for it (true: `defaults`). */
export function withSmoothing<R extends { readonly landmarks: readonly Point3[] }, T extends VideoTask<R>>(smoothing: boolean | OneEuroParams | undefined, defaults: OneEuroParams, task: T): T {
  const p = smoothing === true ? defaults : smoothing || undefined;
  return p ? { ...task, detectForVideo: smoothedVideo(task.detectForVideo, p) } : task;
}
