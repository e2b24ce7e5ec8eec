import type { Model } from '../model.js';
import type { DecodeStats } from './ssd-stage.js';
import type { TaskOptions } from './task-model.js';
import type { ImageSource } from '../vision/source.js';
import { InputError } from '../errors.js';

/** detectForVideo's timestamps: finite and increasing, as MediaPipe Tasks requires. */
export class VideoClock {
  private last = -Infinity;
  constructor(private readonly task: string) {}

  tick(ms: number): void {
    if (!Number.isFinite(ms)) throw new InputError(`${this.task}: timestamp ${ms} is not a finite number of milliseconds`);
    if (ms <= this.last) throw new InputError(`${this.task}: timestamp ${ms} ms is not after the previous frame's ${this.last} ms`);
    this.last = ms;
  }
}

/** detect, detectForVideo (timestamps checked) and dispose: what every detection task exposes. */
export interface VideoTask<R> {
  detect(image: ImageSource): Promise<R[]>;
  /** As detect; timestamps (ms) must increase from frame to frame. */
  detectForVideo(frame: ImageSource, timestampMs: number): Promise<R[]>;
  dispose(): void;
}

/** `run(image, video)` behind a clock; `video` is true for detectForVideo (tracking and smoothing apply). */
export function videoTask<R>(task: string, run: (image: ImageSource, video: boolean) => Promise<R[]>, dispose: () => void): VideoTask<R> {
  const clock = new VideoClock(task);
  return {
    detect: (image) => run(image, false),
    async detectForVideo(frame, timestampMs) {
      clock.tick(timestampMs);
      return run(frame, true);
    },
    dispose,
  };
}

/** A two-stage task: a detector finds the ROIs, a landmark model runs on each crop. */
export interface LandmarkerTask<R, P, S> extends VideoTask<R> {
  readonly detector: Model;
  readonly landmarker: Model;
  readonly params: P;
  readonly stats: Readonly<S>;
}

export interface LandmarkerOptions extends TaskOptions {
  /** Overrides the detector's min_score_thresh (0.5). */
  minDetectionScore?: number;
  /** Overrides the landmark model's presence flag threshold (0.5). */
  minPresence?: number;
}

export interface LandmarkerStats extends DecodeStats {
  frames: number;
  /** Frames that ran the detector (the others tracked the previous frame's landmarks). */
  detections: number;
}
