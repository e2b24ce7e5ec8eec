// The landmarkers' result types, apart from the tasks that make them: project.ts (which the task worker runs) needs
// them without importing the tasks.
import type { Roi } from './roi.js';

export interface HandLandmark {
  readonly name: string;
  /** Source image pixels; z on the same scale as x, relative to the wrist (smaller: nearer the camera). */
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

export interface HandResult {
  /** The 21 hand landmarks, in HAND_LANDMARK_NAMES order. */
  readonly landmarks: readonly HandLandmark[];
  /** The same points in metres about the hand's centre, turned back to the image's axes (WorldLandmarkProjectionCalculator). */
  readonly worldLandmarks: readonly HandLandmark[];
  /** 'Left' or 'Right' as MediaPipe labels them (for a mirrored, selfie view), and that label's score. */
  readonly handedness: { readonly label: string; readonly score: number };
  /** The hand flag (≥ 0.5: a hand is in the ROI). */
  readonly score: number;
  /** The crop the landmarks came from, in source pixels. */
  readonly roi: Roi;
}

export interface PoseLandmark {
  readonly name: string;
  /** Source image pixels; z on the same scale as x, relative to the hips (smaller: nearer the camera). */
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly visibility: number;
  readonly presence: number;
}

export interface PoseResult {
  /** The 33 BlazePose landmarks, in POSE_LANDMARK_NAMES order. */
  readonly landmarks: readonly PoseLandmark[];
  /** The landmark model's pose flag (≥ 0.5: a pose is in the ROI). */
  readonly score: number;
  /** The crop the landmarks came from, in source pixels. */
  readonly roi: Roi;
  /** With `segmentation: true`: person confidence per source pixel, row-major, 0 outside the ROI. */
  readonly mask?: Float32Array;
}
