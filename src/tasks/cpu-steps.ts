// The tasks' pixel work and post-processing on the CPU backend, as steps of plain, structured-clonable data: in
// browsers the task worker (task-worker.ts) runs them, off the page's thread, on the frame it holds; in Node, or with
// `taskWorker: false`, the caller's thread.
import { logicalStrides, placement, tensorShape, type Placement, type ResolvedImageOptions } from '../vision/options.js';
import { makeTaps, resampleInto, type Pixels } from '../vision/resample.js';
import { decodeDetections, weightedNms } from './detections.js';
import type { DetectionDecodeOptions, HandLandmarkParams, PoseLandmarkParams } from './params.js';
import { projectHand, projectPose, resampleMask, type HandOutputs, type PoseOutputs } from './project.js';
import { cropRoi, type Roi } from './roi.js';

export const STEPS = {
  /** The frame as the detector's input (CpuImageInput.convert into a fresh array, which may move). */
  letterbox: (a: { px: Pixels; opts: ResolvedImageOptions }) => {
    const { px, opts } = a;
    const p = placement(px.width, px.height, opts);
    const data = new Float32Array(tensorShape(opts).reduce((x, y) => x * y, 1));
    resampleInto(px, makeTaps(px.width, px.height, p, opts), opts, logicalStrides(opts), data);
    return { data, placement: p };
  },
  /** SSD decode + weighted NMS, the best `maxOut`, in the model input's normalised coordinates. */
  ssd: (a: { boxes: Float32Array; scores: Float32Array; anchors: Float32Array; decode: DetectionDecodeOptions; nmsIou: number; maxOut: number }) =>
    weightedNms(decodeDetections(a.boxes, a.scores, a.anchors, a.decode), a.nmsIou).slice(0, a.maxOut),
  /** Every ROI of one frame resampled into the landmark model's input: the frame crosses once. */
  crops: (a: { px: Pixels; rois: readonly Roi[]; size: number; range: readonly [number, number] }) => a.rois.map((r) => cropRoi(a.px, r, a.size, a.range)),
  hand: (a: { outs: HandOutputs; roi: Roi; p: HandLandmarkParams; minPresence: number }) => projectHand(a.outs, a.roi, a.p, a.minPresence),
  pose: (a: { outs: PoseOutputs; roi: Roi; p: PoseLandmarkParams; minPresence: number; width: number; height: number }) =>
    projectPose(a.outs, a.roi, a.p, a.minPresence, a.width, a.height),
  mask: (a: { mask: Float32Array; mw: number; mh: number; placement: Placement; width: number; height: number }) =>
    resampleMask(a.mask, a.mw, a.mh, a.placement, a.width, a.height),
};

export type Steps = typeof STEPS;
export type StepName = keyof Steps;

