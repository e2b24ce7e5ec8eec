// Face detection in one call: image → letterboxed model input → SSD decode → weighted NMS → source pixels.
import { InputError, TaskModelError } from '../errors.js';
import type { Model, ModelSource } from '../model.js';
import type { Placement } from '../vision/options.js';
import type { ImageSource } from '../vision/source.js';
import { detectionToSource, type RawDetection } from './detections.js';
import { DetectionSmoother } from './smoothing.js';
import { FACE_DETECTORS, type DetectorParams, type FaceDetectorModel } from './params.js';
import { ssdStage, type DecodeStats } from './ssd-stage.js';
import { imageSize, taskModel, type TaskOptions } from './task-model.js';
import { taskSteps } from './task-steps.js';
import { videoTask, type VideoTask } from './video.js';

export interface Keypoint {
  readonly name: string;
  /** Source image pixels. */
  readonly x: number;
  readonly y: number;
}

export interface BoundingBox {
  /** Top-left corner and size in source image pixels. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface FaceDetection {
  readonly box: BoundingBox;
  readonly score: number;
  readonly keypoints: readonly Keypoint[];
}

export interface FaceDetectorOptions extends TaskOptions {
  /** Which MediaPipe model (default: from the model's input size, 128 → short, 192 → full). */
  variant?: FaceDetectorModel;
  /** Overrides the published min_score_thresh. */
  minScore?: number;
  /** Overrides the published NMS min_suppression_threshold. */
  nmsIou?: number;
  /** detectForVideo: weight of the previous frame's matching detection, 0 (default, off) to < 1. */
  smoothing?: number;
  /** At most this many faces, best first (default 32). */
  maxResults?: number;
}

export interface FaceDetectorStats extends DecodeStats {
  frames: number;
}

export interface FaceDetector extends VideoTask<FaceDetection> {
  readonly model: Model;
  readonly params: DetectorParams;
  readonly stats: Readonly<FaceDetectorStats>;
}

const TASK = 'face detector';

function variantOf(model: Model, wanted: FaceDetectorModel | undefined): FaceDetectorModel {
  if (wanted) return wanted;
  const shape = model.inputs[0]?.shape ?? [];
  const found = (Object.keys(FACE_DETECTORS) as FaceDetectorModel[]).find((k) => FACE_DETECTORS[k].anchors.inputWidth === shape[2] && FACE_DETECTORS[k].anchors.inputHeight === shape[1]);
  if (!found) {
    const known = Object.entries(FACE_DETECTORS).map(([k, p]) => `${k}: [1, ${p.anchors.inputHeight}, ${p.anchors.inputWidth}, 3]`).join(', ');
    throw new TaskModelError(`${TASK}: the model's input is [${shape.join(', ')}]; MediaPipe's face detectors take ${known} (or pass variant)`);
  }
  return found;
}

export async function createFaceDetector(source: ModelSource | Model, opts: FaceDetectorOptions = {}): Promise<FaceDetector> {
  const { model, owned } = await taskModel(source, opts);
  try {
    const base = FACE_DETECTORS[variantOf(model, opts.variant)];
    const params: DetectorParams = {
      ...base,
      decode: { ...base.decode, minScoreThresh: opts.minScore ?? base.decode.minScoreThresh },
      nmsIou: opts.nmsIou ?? base.nmsIou,
    };
    const smoothing = opts.smoothing ?? 0;
    if (!(smoothing >= 0 && smoothing < 1)) throw new InputError(`${TASK}: smoothing must be in [0, 1), got ${smoothing}`);
    const smoother = new DetectionSmoother(smoothing);
    const maxResults = opts.maxResults ?? 32;
    if (!(Number.isInteger(maxResults) && maxResults >= 1)) throw new InputError(`${TASK}: maxResults must be a positive integer, got ${maxResults}`);
    const stats: FaceDetectorStats = { frames: 0, gpuDecoded: 0, bytesReadBack: 0, readbacks: 0, decodeMs: 0 };
    const steps = taskSteps(opts.taskWorker);
    const stage = await ssdStage(TASK, model, params, maxResults, stats, steps);
    const run = async (image: ImageSource, video: boolean): Promise<FaceDetection[]> => {
      const { width, height } = imageSize(TASK, image);
      let dets = await stage.detect(image);
      stats.frames++;
      const t0 = performance.now();
      if (video) dets = smoother.apply(dets);
      const faces = dets.map((d) => project(d, stage.placement!, width, height, params));
      stats.decodeMs += performance.now() - t0;
      return faces;
    };
    return {
      model,
      params,
      stats,
      ...videoTask(TASK, run, () => {
        stage.dispose();
        steps.dispose();
        if (owned) model.dispose();
      }),
    };
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }
}

/** Model-input normalised corners and keypoints → source pixels (DetectionProjectionCalculator for a letterbox). */
function project(d: RawDetection, p: Placement, w: number, h: number, params: DetectorParams): FaceDetection {
  const s = detectionToSource(d, p, w, h, { width: params.anchors.inputWidth, height: params.anchors.inputHeight });
  const [x0, y0, x1, y1] = [s.xmin * w, s.ymin * h, s.xmax * w, s.ymax * h];
  const keypoints = params.keypointNames.map((name, k) => ({ name, x: s.keypoints[2 * k]! * w, y: s.keypoints[2 * k + 1]! * h }));
  return { box: { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) }, score: d.score, keypoints };
}
