// Hand landmarks in one call, MediaPipe's hand pipeline: palm detection (letterbox, SSD decode, weighted NMS, the
// numHands best) → a rotated ROI from the palm box and keypoints 0 → 2 (×2.6, shifted by −½ its height) → 224² crop
// → hand landmark model (21 landmarks, world landmarks, hand flag, handedness) → source pixels. detectForVideo tracks:
// each hand's landmarks give its next ROI, and palm detection runs only while fewer than numHands are tracked.
import { InputError, TaskModelError } from '../errors.js';
import type { Model, ModelSource } from '../model.js';
import { PixelReader, type ImageSource } from '../vision/source.js';
import type { Pixels } from '../vision/resample.js';
import { detectionToSource } from './detections.js';
import { HAND_LANDMARKS, HAND_LANDMARK_NAMES, HAND_SMOOTHING, PALM_DETECTOR, type HandLandmarkParams, type OneEuroParams } from './params.js';
import { withSmoothing } from './one-euro.js';
import { landmarksRoi, projectHand, type HandOutputs } from './project.js';
import { detectionRoi, type Roi } from './roi.js';
import { roiCrop } from './roi-crop.js';
import { chainFrame } from './gpu-frame.js';
import { ssdStage } from './ssd-stage.js';
import { countedRun, imageSize, twoModels } from './task-model.js';
import { transferables } from './transferables.js';
import { Frame, orOnThisThread, taskSteps } from './task-steps.js';
import type { Tensor } from '../tensor.js';
import { videoTask, type LandmarkerOptions, type LandmarkerStats, type LandmarkerTask } from './video.js';

import type { HandResult } from './results.js';
export type { HandLandmark, HandResult } from './results.js';

export interface HandLandmarkerOptions extends LandmarkerOptions {
  /** At most this many hands (MediaPipe Tasks' num_hands, default 1). */
  numHands?: number;
  /** detectForVideo's landmarks through a one-euro filter (src/tasks/one-euro.ts): true for HAND_SMOOTHING. Off by default, as in MediaPipe. */
  smoothing?: boolean | OneEuroParams;
}

/** `detections`: frames that ran palm detection (the others tracked every hand from the previous frame). */
export type HandLandmarkerStats = LandmarkerStats;

export type HandLandmarker = LandmarkerTask<HandResult, HandLandmarkParams, HandLandmarkerStats>;

const TASK = 'hand landmarker';
/** AssociationNormRectCalculator's min_similarity_threshold in hand_landmark_tracking_gpu.pbtxt. */
const MIN_SIMILARITY = 0.5;

export async function createHandLandmarker(
  models: { detector: ModelSource | Model; landmarker: ModelSource | Model },
  opts: HandLandmarkerOptions = {},
): Promise<HandLandmarker> {
  const numHands = opts.numHands ?? 1;
  if (!(Number.isInteger(numHands) && numHands >= 1)) throw new InputError(`${TASK}: numHands must be a positive integer, got ${numHands}`);
  return twoModels(models, opts, async (detector, landmarker, disposeModels) => {
    const dp = { ...PALM_DETECTOR, decode: { ...PALM_DETECTOR.decode, minScoreThresh: opts.minDetectionScore ?? PALM_DETECTOR.decode.minScoreThresh } };
    const p = HAND_LANDMARKS;
    const detIn = detector.inputs[0]?.shape ?? [];
    if (detIn.join() !== `1,${dp.anchors.inputHeight},${dp.anchors.inputWidth},3`)
      throw new TaskModelError(`${TASK}: the palm detector's input is [${detIn.join(', ')}]; palm_detection_full/lite.tflite take [1, 192, 192, 3]`);
    const size = p.inputSize;
    const lmIn = landmarker.inputs[0]!;
    if (landmarker.inputs.length !== 1 || lmIn.shape.join() !== `1,${size},${size},3`)
      throw new TaskModelError(`${TASK}: the landmark model's input is [${lmIn.shape.join(', ')}]; hand_landmark_full/lite take [1, ${size}, ${size}, 3]`);
    const outs = handOutputs(landmarker, p);
    const reader = new PixelReader();
    const crop = roiCrop(landmarker, lmIn.name, size, p.range);
    const minPresence = opts.minPresence ?? p.presenceThreshold;
    const stats: HandLandmarkerStats = { frames: 0, detections: 0, gpuDecoded: 0, bytesReadBack: 0, readbacks: 0, decodeMs: 0 };
    const steps = taskSteps(opts.taskWorker);
    const palms = await ssdStage(`${TASK} (palm detector)`, detector, dp, numHands, stats, steps);
    const gpu = landmarker.backend === 'webgpu' ? await (await import('./gpu-hand.js')).GpuHandChain.create(palms, landmarker, crop, outs, p, numHands, MIN_SIMILARITY) : undefined;
    let tracked: Roi[] = [];

    /**
     * WebGPU: the whole frame on the GPU, one readback (gpu-hand.ts); undefined sends the frame to the path below.
     * detectForVideo with no hand tracked reads the palms back first, so that frames without a hand run no landmark
     * model (1 readback; 2 on the frame that finds some); other frames chain, 1 readback.
     */
    const onGpu = async (image: ImageSource, video: boolean): Promise<HandResult[] | undefined> => {
      let track = video ? tracked : [];
      let detect = track.length < numHands;
      if (video && !track.length) {
        const { width, height } = imageSize(TASK, image);
        track = await palmRois(image, width, height);
        if (!track.length) return [];
        detect = false;
      }
      const before = gpu!.bytesRead;
      const slots = await gpu!.frame(image, track, detect, numHands);
      stats.readbacks++;
      stats.bytesReadBack += gpu!.bytesRead - before;
      // more candidates than the decoding kernel keeps: this frame is decoded on the CPU
      if (detect && slots.some((h) => h.overflow)) return undefined;
      if (detect) [stats.detections, stats.gpuDecoded] = [stats.detections + 1, stats.gpuDecoded + 1];
      const found = slots.filter((h) => h.valid && h.flag >= minPresence).map((h): HandResult => {
        const point = (v: Float32Array) => (name: string, i: number) => ({ name, x: v[3 * i]!, y: v[3 * i + 1]!, z: v[3 * i + 2]! });
        const handedness = h.extra >= 1 - h.extra ? { label: p.handednessLabels[0], score: h.extra } : { label: p.handednessLabels[1], score: 1 - h.extra };
        return { landmarks: HAND_LANDMARK_NAMES.map(point(h.landmarks)), worldLandmarks: HAND_LANDMARK_NAMES.map(point(h.world)), handedness, score: h.flag, roi: h.roi };
      });
      if (video) tracked = found.map((h) => landmarksRoi(h.landmarks, p.fromLandmarks));
      return found;
    };

    const palmRois = async (image: ImageSource, width: number, height: number, frame?: Frame): Promise<Roi[]> => {
      stats.detections++;
      const found = await palms.detect(image, frame);
      const model = { width: dp.anchors.inputWidth, height: dp.anchors.inputHeight };
      return found.map((d) => detectionRoi(detectionToSource(d, palms.placement!, width, height, model), width, height, p.fromDetection));
    };

    const read = (r: Map<string, Tensor>): HandOutputs => ({
      landmarks: r.get(outs.landmarks)!.data,
      world: r.get(outs.world)!.data,
      flag: r.get(outs.flag)!.data[0]!,
      handedness: r.get(outs.handedness)!.data[0]!,
    });

    const hands = async (px: Pixels, rois: readonly Roi[]) => {
      const found = [];
      for (const roi of rois) {
        const input = await crop.inputs(px, roi);
        const h = projectHand(read(await countedRun(stats, landmarker, () => landmarker.run(input))), roi, p, minPresence);
        if (h) found.push(h);
      }
      return found;
    };

    // The CPU backend in a browser: the crops and the projections run in the task worker; the frame crosses once.
    const handsInWorker = async (frame: Frame, rois: readonly Roi[]) => {
      const inputs = await steps.onFrame('crops', frame, { rois, size, range: p.range });
      const found = [];
      for (const [i, roi] of rois.entries()) {
        const o = read(await landmarker.run({ [lmIn.name]: { shape: lmIn.shape, data: inputs[i]! } }));
        const h = await steps.run('hand', { outs: o, roi, p, minPresence }, transferables(o));
        if (h) found.push(h);
      }
      return found;
    };

    const run = async (image: ImageSource, video: boolean): Promise<HandResult[]> => {
      const { width, height } = imageSize(TASK, image);
      stats.frames++;
      const onChain = await chainFrame(gpu, [detector, landmarker], () => onGpu(image, video));
      if (onChain) return onChain;
      // the CPU backend in a browser: the frame goes to the task worker once, for the palm detector and the crops
      const frame = steps.inWorker && (detector.backend === 'cpu' || landmarker.backend === 'cpu') ? new Frame(image, reader) : undefined;
      try {
        let rois = video ? tracked : [];
        if (rois.length < numHands) {
          // the tracked hands win over the palms that overlap them (AssociationNormRectCalculator), and over new ones
          const fresh = (await palmRois(image, width, height, frame)).filter((d) => rois.every((t) => squareIou(d, t) <= MIN_SIMILARITY));
          rois = [...rois, ...fresh].slice(0, numHands);
        }
        const here = () => hands(reader.read(image), rois);
        const found = !rois.length ? [] : frame && landmarker.backend === 'cpu' ? await orOnThisThread(() => handsInWorker(frame, rois), here) : await here();
        if (video) tracked = found.map((h) => h.next);
        return found.map((h) => h.result);
      } finally {
        if (frame) steps.release(frame);
      }
    };

    return withSmoothing(opts.smoothing, HAND_SMOOTHING, {
      detector,
      landmarker,
      params: p,
      stats,
      ...videoTask(TASK, run, () => {
        gpu?.dispose();
        palms.dispose();
        crop.dispose();
        steps.dispose();
        disposeModels();
      }),
    });
  });
}

/** hand_landmark_gpu.pbtxt's SplitTensorVectorCalculator: outputs 0–3 are landmarks, hand flag, handedness, world landmarks. */
function handOutputs(model: Model, p: HandLandmarkParams) {
  const n = 3 * p.numLandmarks;
  const [landmarks, flag, handedness, world] = model.outputs;
  const shapes = model.outputs.map((o) => o.shape.join());
  if (shapes.join(' ') !== `1,${n} 1,1 1,1 1,${n}`) {
    const have = model.outputs.map((o) => `"${o.name}" [${o.shape.join(', ')}]`).join(', ');
    throw new TaskModelError(`${TASK} (landmark model): the model is not this task's: expected outputs [1, ${n}], [1, 1], [1, 1], [1, ${n}] (landmarks, hand flag, handedness, world landmarks); the model's outputs are ${have}`);
  }
  return { landmarks: landmarks!.name, flag: flag!.name, handedness: handedness!.name, world: world!.name };
}

export { landmarksRoi } from './project.js';

/** The IoU of two ROIs' axis-aligned squares (the association's similarity, rotation ignored). */
function squareIou(p: Roi, q: Roi): number {
  const overlap = (a: number, sa: number, b: number, sb: number) => Math.max(0, Math.min(a + sa / 2, b + sb / 2) - Math.max(a - sa / 2, b - sb / 2));
  const inter = overlap(p.x, p.size, q.x, q.size) * overlap(p.y, p.size, q.y, q.size);
  return inter / (p.size ** 2 + q.size ** 2 - inter);
}
