// Pose landmarks in one call, MediaPipe's pipeline: pose detection (letterbox, SSD decode, weighted NMS, best pose)
// → rotated ROI from the hip centre and full-body scale points → 256² crop → landmark model (39 landmarks, heatmap
// refinement, pose flag) → source pixels. detectForVideo tracks: the auxiliary landmarks give the next frame's ROI
// and the detector runs only when the pose flag says tracking is lost.
import { TaskModelError } from '../errors.js';
import type { Model, ModelSource } from '../model.js';
import type { Pixels } from '../vision/resample.js';
import { PixelReader, type ImageSource } from '../vision/source.js';
import { detectionToSource } from './detections.js';
import { POSE_DETECTOR, POSE_LANDMARKS, POSE_LANDMARK_NAMES, type PoseLandmarkParams } from './params.js';
import { alignmentRoi, roiToSource, type Roi } from './roi.js';
import { roiCrop } from './roi-crop.js';
import type { GpuSegmentation } from './segmenter.js';
import { chainFrame } from './gpu-frame.js';
import { ssdStage } from './ssd-stage.js';
import { imageSize, pickOutput, twoModels } from './task-model.js';
import { videoTask, type LandmarkerOptions, type LandmarkerStats, type LandmarkerTask } from './video.js';

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

export interface PoseLandmarkerOptions extends LandmarkerOptions {
  /**
   * Also return the segmentation mask, projected back to the source. 'gpu' (WebGPU): the projected mask stays on the
   * GPU, read back by no one (`maskOnGpu()`, for GpuMaskRenderer), and results carry no `mask`; elsewhere as true.
   */
  segmentation?: boolean | 'gpu';
}

export type PoseLandmarkerStats = LandmarkerStats;

/** detect returns at most one pose, as MediaPipe's pose landmarker (num_poses 1). */
export type PoseLandmarker = LandmarkerTask<PoseResult, PoseLandmarkParams, PoseLandmarkerStats> & {
  /**
   * WebGPU with segmentation: the last frame's mask in source pixels, on the GPU (draw it with
   * `new GpuMaskRenderer(device, canvas).draw(mask, region)`); valid until the next frame. Undefined elsewhere.
   */
  maskOnGpu(): GpuSegmentation | undefined;
};

const TASK = 'pose landmarker';
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export async function createPoseLandmarker(
  models: { detector: ModelSource | Model; landmarker: ModelSource | Model },
  opts: PoseLandmarkerOptions = {},
): Promise<PoseLandmarker> {
  return twoModels(models, opts, async (detector, landmarker, disposeModels) => {
    const dp = { ...POSE_DETECTOR, decode: { ...POSE_DETECTOR.decode, minScoreThresh: opts.minDetectionScore ?? POSE_DETECTOR.decode.minScoreThresh } };
    const p = POSE_LANDMARKS;
    const detIn = detector.inputs[0]?.shape ?? [];
    if (detIn.join() !== `1,${dp.anchors.inputHeight},${dp.anchors.inputWidth},3`)
      throw new TaskModelError(`${TASK}: the detector's input is [${detIn.join(', ')}]; MediaPipe's pose_detection.tflite takes [1, 224, 224, 3]`);
    const size = p.inputSize;
    const lmIn = landmarker.inputs[0]!;
    if (landmarker.inputs.length !== 1 || lmIn.shape.join() !== `1,${size},${size},3`)
      throw new TaskModelError(`${TASK}: the landmark model's input is [${lmIn.shape.join(', ')}]; pose_landmark_lite/full/heavy take [1, ${size}, ${size}, 3]`);
    const L = `${TASK} (landmark model)`;
    const landmarksOut = pickOutput(L, landmarker, `[1, ${p.numLandmarks * p.valuesPerLandmark}] (landmarks)`, (s) => s.join() === `1,${p.numLandmarks * p.valuesPerLandmark}`);
    const flagOut = pickOutput(L, landmarker, '[1, 1] (pose flag)', (s) => s.join() === '1,1');
    const heatmapOut = pickOutput(L, landmarker, `[1, H, W, ${p.numLandmarks}] (heatmap)`, (s) => s.length === 4 && s[3] === p.numLandmarks);
    const maskOut = pickOutput(L, landmarker, `[1, ${size}, ${size}, 1] (segmentation)`, (s) => s.join() === `1,${size},${size},1`);
    const reader = new PixelReader();
    const crop = roiCrop(landmarker, lmIn.name, size, p.range);
    const minPresence = opts.minPresence ?? p.presenceThreshold;
    const stats: PoseLandmarkerStats = { frames: 0, detections: 0, gpuDecoded: 0, bytesReadBack: 0, readbacks: 0, decodeMs: 0 };
    // MediaPipe keeps the best pose (num_poses 1)
    const poses = await ssdStage(`${TASK} (detector)`, detector, dp, 1, stats);
    const gpuOuts = { landmarks: landmarksOut, flag: flagOut, heatmap: heatmapOut, mask: maskOut };
    const gpu = landmarker.backend === 'webgpu' ? await (await import('./gpu-pose.js')).GpuPoseChain.create(poses, landmarker, crop, gpuOuts, p, !!opts.segmentation) : undefined;
    let tracked: Roi | undefined;

    /**
     * WebGPU: the whole frame on the GPU, one readback (gpu-pose.ts); undefined sends the frame to the path below.
     * detectForVideo with nothing tracked reads the detection back first, so that frames without a person run no
     * landmark model (1 readback; 2 on the frame that finds one); detect() and tracked frames chain, 1 readback.
     */
    const onGpu = async (image: ImageSource, video: boolean): Promise<PoseResult[] | undefined> => {
      const px = reader.read(image);
      const track = video ? (tracked ?? (await detectRoi(image, px.width, px.height))) : undefined;
      if (video && !track) return [];
      const before = gpu!.bytesRead;
      const f = await gpu!.frame(image, px, track, opts.segmentation !== 'gpu');
      stats.readbacks++;
      stats.bytesReadBack += gpu!.bytesRead - before;
      // more candidates than the decoding kernel keeps: this frame is decoded on the CPU
      if (!track && f.overflow) return undefined;
      if (!track) [stats.detections, stats.gpuDecoded] = [stats.detections + 1, stats.gpuDecoded + 1];
      const found = f.valid && f.flag >= minPresence;
      if (video) tracked = found ? alignmentRoi(p.auxiliary.flatMap((i) => [f.values[i * p.valuesPerLandmark]! / px.width, f.values[i * p.valuesPerLandmark + 1]! / px.height]), px.width, px.height, p.fromLandmarks) : undefined;
      if (!found) return [];
      const landmarks = POSE_LANDMARK_NAMES.map((name, i) => {
        const [x, y, z, visibility, presence] = f.values.subarray(i * p.valuesPerLandmark, (i + 1) * p.valuesPerLandmark);
        return { name, x: x!, y: y!, z: z!, visibility: visibility!, presence: presence! };
      });
      return [{ landmarks, score: f.flag, roi: f.roi, ...(f.mask ? { mask: f.mask } : {}) }];
    };

    const detectRoi = async (image: ImageSource, width: number, height: number): Promise<Roi | undefined> => {
      stats.detections++;
      const [best] = await poses.detect(image);
      if (!best) return undefined;
      const src = detectionToSource(best, poses.input.placement!, width, height, { width: dp.anchors.inputWidth, height: dp.anchors.inputHeight });
      return alignmentRoi(src.keypoints, width, height, p.fromDetection);
    };

    const landmarks = async (px: Pixels, roi: Roi) => {
      const outs = await landmarker.run(await crop.inputs(px, roi));
      const score = outs.get(flagOut)!.data[0]!;
      if (!(score >= minPresence)) return undefined;
      const raw = outs.get(landmarksOut)!.data;
      const hm = outs.get(heatmapOut)!;
      const uv = refineFromHeatmap(raw, hm.data, hm.shape[1]!, hm.shape[2]!, p);
      const all = Array.from({ length: p.numPose + 2 }, (_, i) => {
        const [x, y] = roiToSource(roi, uv[2 * i]!, uv[2 * i + 1]!);
        const r = i * p.valuesPerLandmark;
        return { x, y, z: (raw[r + 2]! / size) * roi.size, visibility: sigmoid(raw[r + 3]!), presence: sigmoid(raw[r + 4]!) };
      });
      const result: PoseResult = {
        landmarks: all.slice(0, p.numPose).map((l, i) => ({ name: POSE_LANDMARK_NAMES[i]!, ...l })),
        score,
        roi,
        ...(opts.segmentation ? { mask: projectMask(outs.get(maskOut)!.data, size, roi, px.width, px.height) } : {}),
      };
      const aux = all.slice(p.numPose).flatMap((l) => [l.x / px.width, l.y / px.height]);
      return { result, next: alignmentRoi(aux, px.width, px.height, p.fromLandmarks) };
    };

    const run = async (image: ImageSource, video: boolean): Promise<PoseResult[]> => {
      const { width, height } = imageSize(TASK, image);
      stats.frames++;
      const onChain = await chainFrame(gpu, [detector, landmarker], () => onGpu(image, video));
      if (onChain) return onChain;
      const roi = (video ? tracked : undefined) ?? (await detectRoi(image, width, height));
      if (!roi) return [];
      const found = await landmarks(reader.read(image), roi);
      // MediaPipe: a lost pose returns nothing this frame and the detector runs on the next
      if (video) tracked = found?.next;
      return found ? [found.result] : [];
    };

    return {
      detector,
      landmarker,
      params: p,
      stats,
      maskOnGpu() {
        const mask = gpu?.gpuMask();
        return mask && { mask, region: { x: 0, y: 0, w: mask.width, h: mask.height } };
      },
      ...videoTask(TASK, run, () => {
        gpu?.dispose();
        poses.dispose();
        crop.dispose();
        disposeModels();
      }),
    };
  });
}

/**
 * TensorsToLandmarks (x, y over the input size) then RefineLandmarksFromHeatmapCalculator: each landmark whose
 * heatmap cell lies inside moves to the sigmoid-weighted mean of the kernel×kernel cells around it, when the
 * largest of them reaches min_confidence_to_refine. Crop-normalised (u, v) pairs of all landmarks.
 */
export function refineFromHeatmap(raw: ArrayLike<number>, hm: ArrayLike<number>, hh: number, hw: number, p: PoseLandmarkParams): Float64Array {
  const n = p.numLandmarks;
  const uv = new Float64Array(2 * n);
  const off = (p.heatmapKernel - 1) >> 1;
  for (let i = 0; i < n; i++) {
    const [x, y] = [raw[i * p.valuesPerLandmark]! / p.inputSize, raw[i * p.valuesPerLandmark + 1]! / p.inputSize];
    [uv[2 * i], uv[2 * i + 1]] = [x, y];
    // C++'s int conversion truncates toward zero
    const [col, row] = [Math.trunc(x * hw), Math.trunc(y * hh)];
    if (col < 0 || col >= hw || row < 0 || row >= hh) continue;
    let [sum, sx, sy, best] = [0, 0, 0, 0];
    for (let r = Math.max(0, row - off); r < Math.min(hh, row + off + 1); r++)
      for (let c = Math.max(0, col - off); c < Math.min(hw, col + off + 1); c++) {
        const conf = sigmoid(hm[(r * hw + c) * n + i]!);
        sum += conf;
        sx += c * conf;
        sy += r * conf;
        best = Math.max(best, conf);
      }
    if (best >= p.minConfidenceToRefine && sum > 0) [uv[2 * i], uv[2 * i + 1]] = [sx / hw / sum, sy / hh / sum];
  }
  return uv;
}

/** The model's mask (logits, SIGMOID) at each source pixel: bilinear at the pixel's place in the crop, 0 outside it. */
function projectMask(logits: ArrayLike<number>, size: number, r: Roi, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const [c, s] = [Math.cos(r.rotation), Math.sin(r.rotation)];
  const k = size / r.size;
  const at = (x: number, y: number) => sigmoid(logits[y * size + x]!);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [dx, dy] = [x - r.x, y - r.y];
      const u = (c * dx + s * dy) * k + size / 2;
      const v = (-s * dx + c * dy) * k + size / 2;
      if (!(u >= 0 && v >= 0 && u <= size - 1 && v <= size - 1)) continue;
      const [iu, iv] = [Math.min(Math.floor(u), size - 2), Math.min(Math.floor(v), size - 2)];
      const [fu, fv] = [u - iu, v - iv];
      out[y * w + x] = (at(iu, iv) * (1 - fu) + at(iu + 1, iv) * fu) * (1 - fv) + (at(iu, iv + 1) * (1 - fu) + at(iu + 1, iv + 1) * fu) * fv;
    }
  return out;
}
