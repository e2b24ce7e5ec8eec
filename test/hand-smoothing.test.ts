// detectForVideo's hand smoothing (src/tasks/one-euro.ts): MediaPipe's one-euro LandmarksSmoothingCalculator.
// - the filter against a float64 transcription of mediapipe/util/filtering/one_euro_filter.cc + low_pass_filter.cc
//   written here (te, tau as MediaPipe computes them), on an irregular, jittery track: within 1e-12 relative;
// - a still hand with ±2 px jitter: the smoothed landmarks' variance under half the raw one (MediaPipe's beta 80 lets
//   jitter this fast through in part); a 40 px step is followed (within 2.5 px 3 frames on) rather than smeared;
// - the wiring: createHandLandmarker({ smoothing: true }) on the hand photo moving between frames gives the raw
//   task's landmarks through the same filter (world landmarks untouched), detect() is never smoothed, and a change
//   in the number of hands starts the filters again.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { createHandLandmarker, HAND_SMOOTHING } from '../src/tasks/index.js';
import { LandmarksSmoother, OneEuroFilter, objectScale, smoothedVideo } from '../src/tasks/one-euro.js';
import { mediapipeModel } from '../scripts/mediapipe-assets.js';
import { pngImage, shifted } from './support/roi-ref.js';

/** one_euro_filter.cc's Apply with low_pass_filter.cc inlined, in float64. */
function referenceFilter(p: { frequency: number; minCutoff: number; beta: number; derivateCutoff: number }) {
  let frequency = p.frequency;
  let lastTimeNs = 0;
  const x = { init: false, raw: 0, stored: 0 };
  const dx = { init: false, raw: 0, stored: 0 };
  const lowPass = (f: typeof x, value: number, alpha: number) => {
    const result = f.init ? alpha * value + (1.0 - alpha) * f.stored : value;
    f.init = true;
    f.raw = value;
    f.stored = result;
    return result;
  };
  const getAlpha = (cutoff: number) => {
    const te = 1.0 / frequency;
    const tau = 1.0 / (2 * Math.PI * cutoff);
    return 1.0 / (1.0 + tau / te);
  };
  return (timestampMs: number, valueScale: number, value: number) => {
    const ns = Math.round(timestampMs * 1e6);
    if (lastTimeNs >= ns) return value;
    if (lastTimeNs !== 0 && ns !== 0) frequency = 1.0 / ((ns - lastTimeNs) * 1e-9);
    lastTimeNs = ns;
    const dvalue = x.init ? (value - x.raw) * valueScale * frequency : 0.0;
    const edvalue = lowPass(dx, dvalue, getAlpha(p.derivateCutoff));
    const cutoff = p.minCutoff + p.beta * Math.abs(edvalue);
    return lowPass(x, value, getAlpha(cutoff));
  };
}

/** A deterministic pseudo-random sequence (xorshift), uniform in [-1, 1). */
function noise(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** A 21-point hand-sized figure (about 120 × 100 px) at (cx, cy). */
const figure = (cx: number, cy: number) => Array.from({ length: 21 }, (_, i) => ({ x: cx + 6 * (i % 5) * (i < 10 ? 4 : -3), y: cy - 5 * i, z: i * 0.5 }));

describe('one-euro landmark smoothing', () => {
  it('OneEuroFilter matches the float64 transcription of MediaPipe\'s filter on an irregular jittery track', () => {
    for (const params of [HAND_SMOOTHING, { ...HAND_SMOOTHING, minCutoff: 1, beta: 0.5, derivateCutoff: 2 }]) {
      const ours = new OneEuroFilter(params);
      const ref = referenceFilter(params);
      const rnd = noise(7);
      let t = 0;
      let worst = 0;
      for (let k = 0; k < 200; k++) {
        t += 20 + Math.floor(30 * Math.abs(rnd())); // 20–49 ms between frames (whole ms: MediaPipe's timestamps are integer ns)
        const v = 100 + 40 * Math.sin(k / 15) + 3 * rnd() + (k > 120 ? 60 : 0);
        const [a, b] = [ours.apply(t, 1 / 90, v), ref(t, 1 / 90, v)];
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
      expect(worst).toBeLessThan(1e-12);
    }
    // a timestamp not after the last passes the value through, as MediaPipe does
    const f = new OneEuroFilter(HAND_SMOOTHING);
    f.apply(10, 1, 5);
    expect(f.apply(10, 1, 9)).toBe(9);
  });

  it('a still, jittery hand: variance under half; a 40 px step is followed within 3 frames', () => {
    const s = new LandmarksSmoother(HAND_SMOOTHING);
    const rnd = noise(3);
    const base = figure(300, 300);
    const raw: number[] = [];
    const smooth: number[] = [];
    let last: ReturnType<typeof figure> = [];
    for (let k = 0; k < 90; k++) {
      const step = k >= 60 ? 40 : 0;
      const frame = base.map((p) => ({ x: p.x + step + 2 * rnd(), y: p.y + 2 * rnd(), z: p.z }));
      last = s.apply(frame, 1000 + (1000 / 30) * k);
      if (k >= 10 && k < 60) {
        raw.push(frame[8]!.x - base[8]!.x);
        smooth.push(last[8]!.x - base[8]!.x);
      }
      if (k === 62) for (let i = 0; i < 21; i++) expect(Math.abs(last[i]!.x - (base[i]!.x + 40))).toBeLessThan(2.5);
    }
    const variance = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    };
    console.log(`[smoothing] still hand, ±2 px jitter: variance ${variance(raw).toFixed(3)} px² raw, ${variance(smooth).toFixed(3)} px² smoothed (object scale ${objectScale(base).toFixed(0)} px)`);
    expect(variance(smooth)).toBeLessThan(variance(raw) / 2);
    for (let i = 0; i < 21; i++) expect(Math.abs(last[i]!.x - (base[i]!.x + 40))).toBeLessThan(2.5);
  });

  it('smoothedVideo: landmarks only, filters restart when the number of results changes; bad parameters are typed errors', async () => {
    const frames = [[figure(100, 100)], [figure(110, 100)], [figure(120, 100), figure(400, 300)], [figure(130, 100), figure(410, 300)]];
    const world = [{ x: 1, y: 2, z: 3 }];
    const video = smoothedVideo(async (k: number) => frames[k]!.map((landmarks) => ({ landmarks, worldLandmarks: world })), HAND_SMOOTHING);
    const ref = new LandmarksSmoother(HAND_SMOOTHING);
    const out = [];
    for (let k = 0; k < frames.length; k++) out.push(await video(k, 33 * (k + 1)));
    expect(out[0]![0]!.landmarks).toEqual(ref.apply(frames[0]![0]!, 33));
    expect(out[1]![0]!.landmarks).toEqual(ref.apply(frames[1]![0]!, 66));
    expect(out[1]![0]!.landmarks[0]!.x).toBeLessThan(110);
    // two hands now: every filter starts again, the first frame of a filter passes through
    expect(out[2]!.map((r) => r.landmarks)).toEqual(frames[2]);
    expect(out[3]![0]!.worldLandmarks).toBe(world);
    expect(() => smoothedVideo(async () => [], { ...HAND_SMOOTHING, minCutoff: 0 })).toThrow(InputError);
    expect(() => smoothedVideo(async () => [], { ...HAND_SMOOTHING, beta: -1 })).toThrow(InputError);
  });

  it('createHandLandmarker({ smoothing: true }): the raw landmarks through the filter on a moving hand, detect() untouched', async () => {
    const hand = pngImage('fixtures/photos/hand.png');
    const models = { detector: mediapipeModel('hands', 'palm_detection_full.tflite'), landmarker: mediapipeModel('hands', 'hand_landmark_full.tflite') };
    const [raw, smooth] = await Promise.all([createHandLandmarker(models, { backend: 'cpu' }), createHandLandmarker(models, { backend: 'cpu', smoothing: true })]);
    try {
      const ref = new LandmarksSmoother(HAND_SMOOTHING);
      let moved = 0;
      for (const [k, dx] of [0, 6, 12, 18].entries()) {
        const frame = shifted(hand, dx);
        const [r, s] = [await raw.detectForVideo(frame, 33 * (k + 1)), await smooth.detectForVideo(frame, 33 * (k + 1))];
        expect(r.length).toBe(1);
        expect(s.length).toBe(1);
        expect(s[0]!.landmarks).toEqual(ref.apply(r[0]!.landmarks, 33 * (k + 1)));
        expect(s[0]!.worldLandmarks).toEqual(r[0]!.worldLandmarks);
        moved = Math.max(moved, Math.abs(s[0]!.landmarks[0]!.x - r[0]!.landmarks[0]!.x));
      }
      // the smoothed wrist lags the moving raw one
      expect(moved).toBeGreaterThan(0.5);
      expect(await smooth.detect(hand)).toEqual(await raw.detect(hand));
    } finally {
      raw.dispose();
      smooth.dispose();
    }
  }, 180_000);
});
