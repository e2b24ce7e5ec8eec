// The SSD decode and weighted NMS of shaders/ssd_decode.wgsl on a model's own output buffers: one small readback
// per frame instead of the raw tensors. Pipeline, uniform, bind group and result buffers are made once.
import ssdDecodeWgsl from '../../shaders/ssd_decode.wgsl?raw';
import { UNIFORM } from '../gpu/memory.js';
import { defineParams } from '../gpu/params.js';
import { compileModule, shader } from '../gpu/shader.js';
import type { RawDetection } from './detections.js';
import type { DetectorParams } from './params.js';

const params = defineParams([
  ['numBoxes', 'u32'],
  ['numCoords', 'u32'],
  ['boxOffset', 'u32'],
  ['keypointOffset', 'u32'],
  ['valuesPerKeypoint', 'u32'],
  ['xScale', 'f32'],
  ['yScale', 'f32'],
  ['wScale', 'f32'],
  ['hScale', 'f32'],
  ['clip', 'f32'],
  ['minScore', 'f32'],
  ['nmsIou', 'f32'],
]);
const SHADER = shader('ssd_decode', ssdDecodeWgsl, params);
/** Candidates kept after the score threshold; more sends the frame to the CPU decode (reported by `overflow`). */
export const MAX_CANDIDATES = 1024;
// GPUBufferUsage
const STORAGE_SRC = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const READ = 0x01 | 0x08; // MAP_READ | COPY_DST

export interface GpuDecodeResult {
  detections: RawDetection[];
  /** More boxes passed the score threshold than the kernel keeps: decode the raw tensors instead. */
  overflow: boolean;
}

export class GpuSsdDecoder {
  /** Readbacks done and bytes read back, for the caller's counters. */
  readbacks = 0;
  bytesRead = 0;
  /** The device was lost: the caller decodes on the CPU from then on. */
  lost = false;
  private constructor(
    readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly bindGroup: GPUBindGroup,
    private readonly owned: GPUBuffer[],
    /** Where the kernel writes (see shaders/ssd_decode.wgsl): a later pass may read the detections on the GPU. */
    readonly result: GPUBuffer,
    private readonly staging: GPUBuffer,
    readonly keypoints: number,
    readonly maxOut: number,
  ) {
    void device.lost.then(() => (this.lost = true));
  }

  static async create(device: GPUDevice, boxes: GPUBuffer, scores: GPUBuffer, anchors: Float32Array, p: DetectorParams, maxOut: number): Promise<GpuSsdDecoder> {
    const d = p.decode;
    const module = await compileModule(device, SHADER);
    const pipeline = await device.createComputePipelineAsync({
      label: 'ssd_decode',
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { MAX_CAND: MAX_CANDIDATES, KP: d.numKeypoints, MAX_OUT: maxOut } },
    });
    const uniform = device.createBuffer({ label: 'ssd_decode params', size: params.byteSize, usage: UNIFORM });
    device.queue.writeBuffer(uniform, 0, params.pack({
      numBoxes: d.numBoxes, numCoords: d.numCoords, boxOffset: d.boxCoordOffset, keypointOffset: d.keypointCoordOffset,
      valuesPerKeypoint: d.numValuesPerKeypoint, xScale: d.xScale, yScale: d.yScale, wScale: d.wScale, hScale: d.hScale,
      clip: d.scoreClippingThresh, minScore: d.minScoreThresh, nmsIou: p.nmsIou,
    }));
    const anchorBuf = device.createBuffer({ label: 'ssd anchors', size: anchors.byteLength, usage: STORAGE_SRC });
    device.queue.writeBuffer(anchorBuf, 0, anchors);
    const bytes = 4 * (2 + maxOut * (5 + 2 * d.numKeypoints));
    const result = device.createBuffer({ label: 'ssd_decode result', size: Math.ceil(bytes / 16) * 16, usage: STORAGE_SRC });
    const staging = device.createBuffer({ label: 'ssd_decode readback', size: result.size, usage: READ });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniform, boxes, scores, anchorBuf, result].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    return new GpuSsdDecoder(device, pipeline, bindGroup, [uniform, anchorBuf, result, staging], result, staging, d.numKeypoints, maxOut);
  }

  /** Decodes what the model last wrote to its output buffers (queue order: submit the run first). */
  async decode(): Promise<GpuDecodeResult> {
    const enc = this.device.createCommandEncoder({ label: 'ssd_decode' });
    this.encode(enc);
    enc.copyBufferToBuffer(this.result, 0, this.staging, 0, this.result.size);
    this.device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(1 /* GPUMapMode.READ */);
    try {
      const res = new Float32Array(this.staging.getMappedRange().slice(0));
      this.readbacks++;
      this.bytesRead += res.byteLength;
      const n = Math.min(this.maxOut, Math.round(res[0]!));
      const width = 5 + 2 * this.keypoints;
      const detections: RawDetection[] = [];
      for (let k = 0; k < n; k++) {
        const r = res.subarray(2 + k * width, 2 + (k + 1) * width);
        detections.push({ xmin: r[0]!, ymin: r[1]!, xmax: r[2]!, ymax: r[3]!, score: r[4]!, keypoints: Float64Array.from(r.subarray(5)) });
      }
      return { detections, overflow: res[1] === 1 };
    } finally {
      this.staging.unmap();
    }
  }

  /** The decoding pass alone, into `result` (nothing read back). */
  encode(enc: GPUCommandEncoder): void {
    const pass = enc.beginComputePass({ label: 'ssd_decode' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  dispose(): void {
    for (const b of this.owned) b.destroy();
  }
}
