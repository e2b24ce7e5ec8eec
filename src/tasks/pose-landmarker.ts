// Pose landmarks in one call, MediaPipe's pipeline: pose detection (letterbox, SSD decode, weighted NMS, best pose)
// → rotated ROI from the hip centre and full-body scale points → 256² crop → landmark model (39 landmarks, heatmap
// refinement, pose flag) → source pixels. detectForVideo tracks: the auxiliary landmarks give the next frame's ROI
// and the detector runs only when the pose flag says tracking is lost.
import { TaskModelError } from '../errors.js';
import type { Model, ModelSource } from '../model.js';
import type { Pixels } from '../vision/resample.js';
import { PixelReader, type ImageSource } from '../vision/source.js';
import { detectionToSource } from './detections.js';
import { POSE_DETECTOR, POSE_LANDMARKS, POSE_LANDMARK_NAMES, POSE_SMOOTHING, type OneEuroParams, type PoseLandmarkParams } from './params.js';
import { withSmoothing } from './one-euro.js';
import { projectPose, type PoseOutputs } from './project.js';
import { alignmentRoi, type Roi } from './roi.js';
import { roiCrop } from './roi-crop.js';
import type { GpuSegmentation } from './segmenter.js';
import { chainFrame } from './gpu-frame.js';
import { ssdStage } from './ssd-stage.js';
import { countedRun, imageSize, pickOutput, twoModels } from './task-model.js';
import { transferables } from './transferables.js';
import { Frame, orOnThisThread, taskSteps } from './task-steps.js';
import type { Tensor } from '../tensor.js';
import { videoTask, type LandmarkerOptions, type LandmarkerStats, type LandmarkerTask } from './video.js';

import type { PoseResult } from './results.js';
export type { PoseLandmark, PoseResult } from './results.js';

export interface PoseLandmarkerOptions extends LandmarkerOptions {
  /**
   * Also return the segmentation mask, projected back to the source. 'gpu' (WebGPU): the projected mask stays on the
   * GPU, read back by no one (`maskOnGpu()`, for GpuMaskRenderer), and results carry no `mask`; elsewhere as true.
   */
  segmentation?: boolean | 'gpu';
  /** detectForVideo's landmarks through a one-euro filter (src/tasks/one-euro.ts): true for POSE_SMOOTHING. Off by default. */
  smoothing?: boolean | OneEuroParams;
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
    const steps = taskSteps(opts.taskWorker);
    const poses = await ssdStage(`${TASK} (detector)`, detector, dp, 1, stats, steps);
    const gpuOuts = { landmarks: landmarksOut, flag: flagOut, heatmap: heatmapOut, mask: maskOut };
    const gpu = landmarker.backend === 'webgpu' ? await (await import('./gpu-pose.js')).GpuPoseChain.create(poses, landmarker, crop, gpuOuts, p, !!opts.segmentation) : undefined;
    let tracked: Roi | undefined;

    /**
     * WebGPU: the whole frame on the GPU, one readback (gpu-pose.ts); undefined sends the frame to the path below.
     * detectForVideo with nothing tracked reads the detection back first, so that frames without a person run no
     * landmark model (1 readback; 2 on the frame that finds one); detect() and tracked frames chain, 1 readback.
     */
    const onGpu = async (image: ImageSource, video: boolean): Promise<PoseResult[] | undefined> => {
      // the frame goes to the GPU as it is (no pixel read here: gpu-pose.ts)
      const px = imageSize(TASK, image);
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

    const detectRoi = async (image: ImageSource, width: number, height: number, frame?: Frame): Promise<Roi | undefined> => {
      stats.detections++;
      const [best] = await poses.detect(image, frame);
      if (!best) return undefined;
      const src = detectionToSource(best, poses.placement!, width, height, { width: dp.anchors.inputWidth, height: dp.anchors.inputHeight });
      return alignmentRoi(src.keypoints, width, height, p.fromDetection);
    };

    /** The outputs projectPose reads (the mask only when asked for). */
    const poseOutputs = (outs: Map<string, Tensor>): PoseOutputs => {
      const hm = outs.get(heatmapOut)!;
      const mask = opts.segmentation ? { mask: outs.get(maskOut)!.data } : {};
      return { landmarks: outs.get(landmarksOut)!.data, flag: outs.get(flagOut)!.data[0]!, heatmap: hm.data, hh: hm.shape[1]!, hw: hm.shape[2]!, ...mask };
    };

    const landmarks = async (px: Pixels, roi: Roi) => {
      const input = await crop.inputs(px, roi);
      const outs = await countedRun(stats, landmarker, () => landmarker.run(input));
      return projectPose(poseOutputs(outs), roi, p, minPresence, px.width, px.height);
    };

    // The CPU backend in a browser: the crop and the projection run in the task worker; the frame crosses once.
    const landmarksInWorker = async (frame: Frame, roi: Roi, width: number, height: number) => {
      const [input] = await steps.onFrame('crops', frame, { rois: [roi], size, range: p.range });
      const o = poseOutputs(await landmarker.run({ [lmIn.name]: { shape: lmIn.shape, data: input! } }));
      return steps.run('pose', { outs: o, roi, p, minPresence, width, height }, transferables(o));
    };

    const run = async (image: ImageSource, video: boolean): Promise<PoseResult[]> => {
      const { width, height } = imageSize(TASK, image);
      stats.frames++;
      const onChain = await chainFrame(gpu, [detector, landmarker], () => onGpu(image, video));
      if (onChain) return onChain;
      // the CPU backend in a browser: the frame goes to the task worker once, for the detector and the crop
      const frame = steps.inWorker && (detector.backend === 'cpu' || landmarker.backend === 'cpu') ? new Frame(image, reader) : undefined;
      try {
        const roi = (video ? tracked : undefined) ?? (await detectRoi(image, width, height, frame));
        if (!roi) return [];
        const here = () => landmarks(reader.read(image), roi);
        const found = frame && landmarker.backend === 'cpu' ? await orOnThisThread(() => landmarksInWorker(frame, roi, width, height), here) : await here();
        // MediaPipe: a lost pose returns nothing this frame and the detector runs on the next
        if (video) tracked = found?.next;
        return found ? [found.result] : [];
      } finally {
        if (frame) steps.release(frame);
      }
    };

    return withSmoothing(opts.smoothing, POSE_SMOOTHING, {
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
        steps.dispose();
        disposeModels();
      }),
    });
  });
}

export { refineFromHeatmap } from './project.js';
