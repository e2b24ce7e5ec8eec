// Face detection in one call: image → letterboxed model input → SSD decode → weighted NMS → source pixels.
import { InputError, TaskModelError } from '../errors.js';
import type { Model, ModelSource } from '../model.js';
import { toSourceNormalised } from '../vision/options.js';
import type { ImageSource } from '../vision/source.js';
import { ssdAnchors } from './anchors.js';
import { decodeDetections, weightedNms, type RawDetection } from './detections.js';
import { DetectionSmoother } from './smoothing.js';
import { FACE_DETECTORS, type DetectorParams, type FaceDetectorModel } from './params.js';
import { imageSize, pickOutput, taskInput, taskModel, type TaskOptions } from './task-model.js';
import { VideoClock } from './video.js';

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
}

export interface FaceDetector {
  readonly model: Model;
  readonly params: DetectorParams;
  detect(image: ImageSource): Promise<FaceDetection[]>;
  /** As detect; timestamps (ms) must increase from frame to frame. */
  detectForVideo(frame: ImageSource, timestampMs: number): Promise<FaceDetection[]>;
  dispose(): void;
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
    const n = params.decode.numBoxes;
    const boxesOut = pickOutput(TASK, model, `[1, ${n}, ${params.decode.numCoords}] (box regressors)`, (s) => s.length === 3 && s[1] === n && s[2] === params.decode.numCoords);
    const scoresOut = pickOutput(TASK, model, `[1, ${n}, 1] (scores)`, (s) => s.length === 3 && s[1] === n && s[2] === 1);
    const anchors = ssdAnchors(params.anchors);
    const input = await taskInput(model, params.range, params.resize);
    const clock = new VideoClock(TASK);
    const smoothing = opts.smoothing ?? 0;
    if (!(smoothing >= 0 && smoothing < 1)) throw new InputError(`${TASK}: smoothing must be in [0, 1), got ${smoothing}`);
    const smoother = new DetectionSmoother(smoothing);
    const run = async (image: ImageSource, video: boolean): Promise<FaceDetection[]> => {
      const { width, height } = imageSize(TASK, image);
      const outs = await input.run(image);
      let dets = weightedNms(decodeDetections(outs.get(boxesOut)!.data, outs.get(scoresOut)!.data, anchors, params.decode), params.nmsIou);
      if (video) dets = smoother.apply(dets);
      return dets.map((d) => project(d, input.placement!, width, height, params));
    };
    return {
      model,
      params,
      detect: (image) => run(image, false),
      async detectForVideo(frame, timestampMs) {
        clock.tick(timestampMs);
        return run(frame, true);
      },
      dispose() {
        input.dispose();
        if (owned) model.dispose();
      },
    };
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }
}

/** Model-input normalised corners and keypoints → source pixels (DetectionProjectionCalculator for a letterbox). */
function project(d: RawDetection, p: Parameters<typeof toSourceNormalised>[0], w: number, h: number, params: DetectorParams): FaceDetection {
  const size = { width: params.anchors.inputWidth, height: params.anchors.inputHeight };
  const to = (nx: number, ny: number) => {
    const [x, y] = toSourceNormalised(p, w, h, size, nx, ny);
    return [x * w, y * h] as const;
  };
  const [x0, y0] = to(d.xmin, d.ymin);
  const [x1, y1] = to(d.xmax, d.ymax);
  const keypoints = params.keypointNames.map((name, k) => {
    const [x, y] = to(d.keypoints[2 * k]!, d.keypoints[2 * k + 1]!);
    return { name, x, y };
  });
  return { box: { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) }, score: d.score, keypoints };
}
