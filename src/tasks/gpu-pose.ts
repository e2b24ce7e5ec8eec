// The pose landmarker's WebGPU frame, one readback: [detector → ssd_decode → detection_roi (detection frames) or the
// tracked ROI written from the page] → crop from the ROI record, sampling the texture the frame was copied into → landmark model → pose_landmarks.wgsl (heatmap
// refinement, projection, sigmoids) and, with segmentation, roi_mask.wgsl (the mask in source pixels) → one copy of
// the final result into a staging buffer, one mapAsync. A frame without a detection runs no landmark model (its
// dispatches are indirect, sized 0 from the record's valid = 0 on the GPU) and its record says valid = 0.
import poseLandmarksWgsl from '../../shaders/pose_landmarks.wgsl?raw';
import roiMaskWgsl from '../../shaders/roi_mask.wgsl?raw';
import { defineParams } from '../gpu/params.js';
import type { Model } from '../model.js';
import { deviceStrides, executorOf } from '../vision/input.js';
import type { GpuMask } from '../vision/mask.js';
import type { ImageSource } from '../vision/source.js';
import type { PoseLandmarkParams } from './params.js';
import type { Roi } from './roi.js';
import type { RoiCrop } from './roi-crop.js';
import { GpuDetectionRoi, GpuKernel, MATRIX_OFFSET, readbackBuffer, readRoi, ROI_BYTES, ROI_RECORD, roiRecord, roiShader, storageBuffer, submitChecked, mapChecked, VALID_OFFSET, type RoiRead } from './gpu-roi.js';
import type { SsdStage } from './ssd-stage.js';

const landmarkParams = defineParams([
  ['hh', 'u32'],
  ['hw', 'u32'],
  ['strideY', 'u32'],
  ['strideX', 'u32'],
  ['strideC', 'u32'],
  ['numOut', 'u32'],
  ['slot', 'u32'],
  ['inputSize', 'f32'],
  ['minConfidence', 'f32'],
]);
const maskParams = defineParams([
  ['width', 'u32'],
  ['height', 'u32'],
  ['size', 'u32'],
  ['strideY', 'u32'],
  ['strideX', 'u32'],
  ['slot', 'u32'],
]);
const POSE_LANDMARKS = roiShader('pose_landmarks', poseLandmarksWgsl, landmarkParams, true);
const ROI_MASK = roiShader('roi_mask', roiMaskWgsl, maskParams, false);
const MASK_WG = 8;

export interface GpuPoseOutputs {
  readonly landmarks: string;
  readonly flag: string;
  readonly heatmap: string;
  readonly mask: string;
}

export interface GpuPoseFrame extends RoiRead {
  /** numPose + 2 landmarks × (x, y, z, visibility, presence), source pixels. */
  readonly values: Float32Array;
  /** With segmentation: the mask in source pixels, row-major. */
  readonly mask?: Float32Array;
}

export class GpuPoseChain {
  /** Bytes read back so far (one mapAsync a frame), for the task's stats. */
  bytesRead = 0;
  private maskOut?: { buffer: GPUBuffer; width: number; height: number };
  private staging?: GPUBuffer;

  private constructor(
    private readonly device: GPUDevice,
    private readonly landmarker: Model,
    private readonly crop: RoiCrop,
    private readonly poses: SsdStage,
    private readonly fromDetection: GpuDetectionRoi,
    private readonly decode: GpuKernel<(typeof landmarkParams.fields)[number][0]>,
    /** With segmentation: the projection kernel, the model's mask buffer and its strides. */
    private readonly segmentation: { kernel: GpuKernel<(typeof maskParams.fields)[number][0]>; logits: GPUBuffer; strides: { y: number; x: number } } | undefined,
    private readonly cropSize: number,
    private readonly rois: GPUBuffer,
    private readonly result: GPUBuffer,
    private readonly values: number,
  ) {}

  /** Undefined where the models do not both run on WebGPU with plain output buffers. */
  static async create(poses: SsdStage, landmarker: Model, crop: RoiCrop, outs: GpuPoseOutputs, p: PoseLandmarkParams, segmentation: boolean): Promise<GpuPoseChain | undefined> {
    const exec = executorOf(landmarker);
    const buffers = exec && [outs.landmarks, outs.flag, outs.heatmap, outs.mask].map((n) => exec.edgeBuffer(n));
    if (!exec || !buffers || buffers.some((b) => !b) || !poses.gpu || !crop.fromBuffer || poses.gpu.device !== exec.gpu.device) return undefined;
    const [raw, flag, heat, mask] = buffers as GPUBuffer[];
    const device = exec.gpu.device;
    // the gate of empty slots' landmark runs, made with the chain: no buffer is created on a later frame
    await exec.prepareGate();
    const rois = storageBuffer(device, 'pose roi', ROI_BYTES);
    const numOut = p.numPose + 2;
    const result = storageBuffer(device, 'pose result', 4 * (ROI_RECORD + numOut * p.valuesPerLandmark));
    const fromDetection = await GpuDetectionRoi.create(device, poses.gpu, rois, 1, { box: false, ...p.fromDetection, cropSize: p.inputSize });
    const constants = { KERNEL: p.heatmapKernel, VALUES: p.valuesPerLandmark, RECORD: ROI_RECORD };
    const decode = await GpuKernel.create(device, POSE_LANDMARKS, landmarkParams, constants, [raw!, flag!, heat!, rois, result]);
    const hShape = landmarker.graph.shapes.get(outs.heatmap)!;
    const hs = deviceStrides(hShape, 'nhwc', exec.isRaw(outs.heatmap));
    decode.write({ hh: hShape[1]!, hw: hShape[2]!, strideY: hs.y, strideX: hs.x, strideC: hs.c, numOut, slot: 0, inputSize: p.inputSize, minConfidence: p.minConfidenceToRefine });
    let seg;
    if (segmentation) {
      const strides = deviceStrides(landmarker.graph.shapes.get(outs.mask)!, 'nhwc', exec.isRaw(outs.mask));
      // bound to its output buffer on the first frame, once the source size is known (maskFor)
      const kernel = await GpuKernel.create(device, ROI_MASK, maskParams, { WG_X: MASK_WG, WG_Y: MASK_WG }, [mask!, rois, result]);
      seg = { kernel, logits: mask!, strides };
    }
    return new GpuPoseChain(device, landmarker, crop, poses, fromDetection, decode, seg, p.inputSize, rois, result, numOut * p.valuesPerLandmark);
  }

  /** One frame: the detector runs unless `tracked` gives the ROI; with segmentation, `readMask` false leaves the mask on the GPU (gpuMask). */
  async frame(image: ImageSource, px: { width: number; height: number }, tracked: Roi | undefined, readMask = true): Promise<GpuPoseFrame> {
    const { device } = this;
    const checks: Promise<void>[] = [];
    if (tracked) device.queue.writeBuffer(this.rois, 0, roiRecord(tracked, this.cropSize));
    else checks.push((await this.fromDetection.detect(this.poses.input, image, 0, 'pose detection → ROI')).checked);
    // the crop samples the frame the detector's letterbox read (a tracked frame: put into the crop's own texture)
    const frame = (!tracked && this.poses.input.frameTexture) || (await this.crop.put!(image));
    // no detection (valid 0): the landmark model's dispatches are sized 0 on the GPU (GpuExecutor.runInPlace's gate)
    const gate = tracked ? undefined : { buffer: this.rois, offset: VALID_OFFSET };
    await executorOf(this.landmarker)!.runInPlace(await this.crop.fromBuffer!(frame, this.rois, MATRIX_OFFSET), gate);
    const mask = this.segmentation && this.maskFor(px.width, px.height);
    const resultBytes = this.result.size;
    const read = readMask ? mask : undefined;
    const bytes = resultBytes + (read ? read.buffer.size : 0);
    if (!this.staging || this.staging.size !== Math.ceil(bytes / 16) * 16) {
      this.staging?.destroy();
      this.staging = readbackBuffer(device, 'pose readback', bytes);
    }
    const staging = this.staging;
    checks.push(
      submitChecked(device, 'pose landmarks', (enc) => {
        this.decode.encode(enc);
        if (mask) this.segmentation!.kernel.encode(enc, Math.ceil(mask.width / MASK_WG), Math.ceil(mask.height / MASK_WG));
        enc.copyBufferToBuffer(this.result, 0, staging, 0, resultBytes);
        if (read) enc.copyBufferToBuffer(read.buffer, 0, staging, resultBytes, read.buffer.size);
      }),
    );
    // a refused pass or copy rejects with its error, not whatever the buffer held
    await mapChecked(staging, checks);
    try {
      const all = new Float32Array(staging.getMappedRange().slice(0));
      this.bytesRead += all.byteLength;
      const rec = readRoi(all, 0);
      return {
        ...rec,
        values: all.slice(ROI_RECORD, ROI_RECORD + this.values),
        ...(read ? { mask: all.slice(resultBytes / 4, resultBytes / 4 + read.width * read.height) } : {}),
      };
    } finally {
      staging.unmap();
    }
  }

  /** The last frame's mask in source pixels, on the GPU (for GpuMaskRenderer); valid until the next frame. */
  gpuMask(): GpuMask | undefined {
    const m = this.maskOut;
    return m && { buffer: m.buffer, width: m.width, height: m.height, strides: { y: m.width, x: 1 } };
  }

  private maskFor(width: number, height: number) {
    const m = this.maskOut;
    if (m && m.width === width && m.height === height) return m;
    m?.buffer.destroy();
    const buffer = storageBuffer(this.device, 'pose mask', 4 * width * height);
    const { kernel, logits, strides } = this.segmentation!;
    kernel.bind([logits, this.rois, buffer]);
    kernel.write({ width, height, size: this.cropSize, strideY: strides.y, strideX: strides.x, slot: 0 });
    this.maskOut = { buffer, width, height };
    return this.maskOut;
  }

  dispose(): void {
    for (const b of [this.rois, this.result, this.staging, this.maskOut?.buffer]) b?.destroy();
    this.fromDetection.dispose();
    this.decode.dispose();
    this.segmentation?.kernel.dispose();
  }
}
