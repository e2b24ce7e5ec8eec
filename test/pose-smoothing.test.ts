// detectForVideo's pose smoothing (src/tasks/one-euro.ts, POSE_SMOOTHING; the filter itself is checked against a
// float64 transcription of MediaPipe's in test/hand-smoothing.test.ts): createPoseLandmarker({ smoothing: true }) on the
// astronaut photo moving between frames gives the raw task's landmarks through the same filter (visibility, presence,
// ROI and mask untouched), the smoothed landmarks lag the moving raw ones, detect() is never smoothed, and without the
// option nothing is.
import { describe, expect, it } from 'vitest';
import { createPoseLandmarker, POSE_SMOOTHING } from '../src/tasks/index.js';
import { LandmarksSmoother } from '../src/tasks/one-euro.js';
import { poseDetectorBytes, poseLandmarkBytes } from '../scripts/mediapipe-assets.js';
import { pngImage, shifted } from './support/roi-ref.js';
import { PHOTO } from './support/tflite-ref.js';

describe('pose landmark smoothing', () => {
  it('createPoseLandmarker({ smoothing: true }): the raw landmarks through the filter on a moving person, detect() untouched', async () => {
    const astronaut = pngImage(PHOTO);
    const models = { detector: poseDetectorBytes(), landmarker: poseLandmarkBytes('lite') };
    const opts = { backend: 'cpu', segmentation: true } as const;
    const [raw, smooth] = await Promise.all([createPoseLandmarker(models, opts), createPoseLandmarker(models, { ...opts, smoothing: true })]);
    try {
      const ref = new LandmarksSmoother(POSE_SMOOTHING);
      let moved = 0;
      for (const [k, dx] of [0, 8, 16, 24].entries()) {
        const frame = shifted(astronaut, dx);
        const [r, s] = [await raw.detectForVideo(frame, 33 * (k + 1)), await smooth.detectForVideo(frame, 33 * (k + 1))];
        expect(r.length).toBe(1);
        expect(s.length).toBe(1);
        expect(s[0]!.landmarks).toEqual(ref.apply(r[0]!.landmarks, 33 * (k + 1)));
        expect([s[0]!.score, s[0]!.roi, s[0]!.mask]).toEqual([r[0]!.score, r[0]!.roi, r[0]!.mask]);
        expect(s[0]!.landmarks.map((l) => [l.name, l.visibility, l.presence])).toEqual(r[0]!.landmarks.map((l) => [l.name, l.visibility, l.presence]));
        moved = Math.max(moved, ...s[0]!.landmarks.map((l, i) => Math.abs(l.x - r[0]!.landmarks[i]!.x)));
      }
      // the smoothed landmarks lag the moving raw ones
      expect(moved).toBeGreaterThan(0.5);
      expect(await smooth.detect(astronaut)).toEqual(await raw.detect(astronaut));
    } finally {
      raw.dispose();
      smooth.dispose();
    }
  }, 300_000);
});
