// The hand landmarker's WebGPU frame, one readback: the tracked ROIs written from the page into slots [0, tracked),
// then on detection frames palm detector → ssd_decode → detection_roi (the palms that are not tracked hands fill the
// other slots) → per slot: crop from its ROI record → landmark model → hand_landmarks.wgsl into the slot's part of
// the result → one copy into a staging buffer, one mapAsync. A slot without a palm runs no landmark model (its
// dispatches are indirect, sized 0 from its record's valid = 0 on the GPU: GpuExecutor.runInPlace's gate); its record
// says valid = 0.
import handLandmarksWgsl from '../../shaders/hand_landmarks.wgsl?raw';
import { defineParams } from '../gpu/params.js';
import type { Model } from '../model.js';
import { executorOf } from '../vision/input.js';
import type { ImageSource } from '../vision/source.js';
import type { HandLandmarkParams } from './params.js';
import type { Roi } from './roi.js';
import type { RoiCrop } from './roi-crop.js';
import { GpuDetectionRoi, GpuKernel, MATRIX_OFFSET, readbackBuffer, readRoi, ROI_BYTES, ROI_RECORD, roiRecord, roiShader, storageBuffer, submitChecked, mapChecked, VALID_OFFSET, type RoiRead } from './gpu-roi.js';
import type { SsdStage } from './ssd-stage.js';

const params = defineParams([
  ['slot', 'u32'],
  ['inputSize', 'f32'],
  ['normalizeZ', 'f32'],
]);
const HAND_LANDMARKS = roiShader('hand_landmarks', handLandmarksWgsl, params, true);

export interface GpuHandOutputs {
  readonly landmarks: string;
  readonly flag: string;
  readonly handedness: string;
  readonly world: string;
}

export interface GpuHandSlot extends RoiRead {
  /** N × (x, y, z): source pixels. */
  readonly landmarks: Float32Array;
  /** N × (x, y, z): metres, turned to the image's axes. */
  readonly world: Float32Array;
}

export class GpuHandChain {
  /** Bytes read back so far (one mapAsync a frame), for the task's stats. */
  bytesRead = 0;
  private readonly record = new Float32Array(ROI_RECORD);

  private constructor(
    private readonly device: GPUDevice,
    private readonly landmarker: Model,
    private readonly crop: RoiCrop,
    private readonly palms: SsdStage,
    private readonly fromDetection: GpuDetectionRoi,
    private readonly decode: GpuKernel<(typeof params.fields)[number][0]>,
    private readonly rois: GPUBuffer,
    private readonly result: GPUBuffer,
    private readonly staging: GPUBuffer,
    private readonly cropSize: number,
    private readonly n: number,
  ) {}

  /** Floats per slot in the result. */
  private get stride(): number {
    return ROI_RECORD + 6 * this.n;
  }

  /** Undefined where the models do not both run on WebGPU with plain output buffers. */
  static async create(palms: SsdStage, landmarker: Model, crop: RoiCrop, outs: GpuHandOutputs, p: HandLandmarkParams, slots: number, minSimilarity: number): Promise<GpuHandChain | undefined> {
    const exec = executorOf(landmarker);
    const buffers = exec && [outs.landmarks, outs.flag, outs.handedness, outs.world].map((n) => exec.edgeBuffer(n));
    if (!exec || !buffers || buffers.some((b) => !b) || !palms.gpu || !crop.fromBuffer || palms.gpu.device !== exec.gpu.device) return undefined;
    const device = exec.gpu.device;
    // the gate of empty slots' landmark runs, made with the chain: no buffer is created on a later frame
    await exec.prepareGate();
    const n = p.numLandmarks;
    const rois = storageBuffer(device, 'hand rois', slots * ROI_BYTES);
    const bytes = 4 * slots * (ROI_RECORD + 6 * n);
    const result = storageBuffer(device, 'hand result', bytes);
    const staging = readbackBuffer(device, 'hand readback', bytes);
    const fromDetection = await GpuDetectionRoi.create(device, palms.gpu, rois, slots, { box: true, ...p.fromDetection, cropSize: p.inputSize, minSimilarity });
    const decode = await GpuKernel.create(device, HAND_LANDMARKS, params, { N: n, RECORD: ROI_RECORD }, [...(buffers as GPUBuffer[]), rois, result], slots);
    for (let slot = 0; slot < slots; slot++) decode.write({ slot, inputSize: p.inputSize, normalizeZ: p.normalizeZ }, slot);
    return new GpuHandChain(device, landmarker, crop, palms, fromDetection, decode, rois, result, staging, p.inputSize, n);
  }

  /**
   * One frame: the `tracked` ROIs, and with `detect` the palms that are not among them, up to the slot count. The
   * slots the landmark model ran on, in order (invalid ones included).
   */
  async frame(image: ImageSource, tracked: readonly Roi[], detect: boolean, slots: number): Promise<GpuHandSlot[]> {
    const { device } = this;
    const checks: Promise<void>[] = [];
    tracked.forEach((r, k) => device.queue.writeBuffer(this.rois, k * ROI_BYTES, roiRecord(r, this.cropSize, this.record)));
    if (detect) checks.push((await this.fromDetection.detect(this.palms.input, image, tracked.length, 'palm detection → ROIs')).checked);
    const runs = detect ? slots : tracked.length;
    const exec = executorOf(this.landmarker)!;
    const bytes = 4 * runs * this.stride;
    // the crops sample the frame the palm detector's letterbox read (tracked frames: put into the crop's own texture)
    const frame = (detect && this.palms.input.frameTexture) || (await this.crop.put!(image));
    for (let k = 0; k < runs; k++) {
      // a slot the detection left empty (valid 0) runs no landmark model: its dispatches are sized 0 on the GPU
      const gate = k >= tracked.length ? { buffer: this.rois, offset: k * ROI_BYTES + VALID_OFFSET } : undefined;
      await exec.runInPlace(await this.crop.fromBuffer!(frame, this.rois, k * ROI_BYTES + MATRIX_OFFSET), gate);
      checks.push(
        submitChecked(device, 'hand landmarks', (enc) => {
          this.decode.encode(enc, 1, 1, k);
          if (k === runs - 1) enc.copyBufferToBuffer(this.result, 0, this.staging, 0, bytes);
        }),
      );
    }
    // a refused pass or copy rejects with its error, not whatever the buffer held
    await mapChecked(this.staging, checks, bytes);
    try {
      const all = new Float32Array(this.staging.getMappedRange(0, bytes).slice(0));
      this.bytesRead += bytes;
      return Array.from({ length: runs }, (_, k) => {
        const o = k * this.stride + ROI_RECORD;
        return { ...readRoi(all, k * this.stride), landmarks: all.slice(o, o + 3 * this.n), world: all.slice(o + 3 * this.n, o + 6 * this.n) };
      });
    } finally {
      this.staging.unmap();
    }
  }

  dispose(): void {
    for (const b of [this.rois, this.result, this.staging]) b.destroy();
    this.fromDetection.dispose();
    this.decode.dispose();
  }
}
