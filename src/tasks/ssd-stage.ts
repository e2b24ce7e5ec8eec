// An SSD detector as a task's first stage: image → model input → decode + weighted NMS. On WebGPU the decoding runs
// as one kernel on the model's output buffers (gpu-decode.ts) and only the detections are read back; on the CPU, after
// a device loss, or when more boxes pass the threshold than the kernel keeps, the raw tensors are decoded here.
import { GpuError } from '../errors.js';
import type { Model } from '../model.js';
import type { ImageInput } from '../vision/input.js';
import type { ImageSource } from '../vision/source.js';
import { ssdAnchors } from './anchors.js';
import { decodeDetections, weightedNms, type RawDetection } from './detections.js';
import type { GpuSsdDecoder } from './gpu-decode.js';
import type { DetectorParams } from './params.js';
import { ssdOutputs, taskInput } from './task-model.js';

export interface DecodeStats {
  /** Frames whose decoding and NMS ran on the GPU (WebGPU backend): only the final detections were read back. */
  gpuDecoded: number;
  /** Bytes of model output or detections that reached the page (raw tensors on the CPU path). */
  bytesReadBack: number;
  /** GPU readbacks (mapAsync calls) so far: on WebGPU one per frame; 0 on the CPU backend. */
  readbacks: number;
  /** Milliseconds this thread spent decoding, summed over frames: anchor decode and NMS (CPU path). */
  decodeMs: number;
}

export interface SsdStage {
  /** Its placement maps model-input coordinates back to the last image. */
  readonly input: ImageInput;
  /** At most maxOut detections, best first, in the model input's normalised coordinates. */
  detect(image: ImageSource): Promise<RawDetection[]>;
  /** On WebGPU, the decoding kernel (a second stage may chain on its result buffer); undefined elsewhere. */
  readonly gpu?: GpuSsdDecoder;
  dispose(): void;
}

export async function ssdStage(task: string, model: Model, params: DetectorParams, maxOut: number, stats: DecodeStats): Promise<SsdStage> {
  const { boxes, scores } = ssdOutputs(task, model, params.decode);
  const anchors = ssdAnchors(params.anchors);
  const input = await taskInput(model, params.range, params.resize);
  const gpu = await gpuDecoder(model, boxes, scores, anchors, params, maxOut);
  const onCpu = async (image: ImageSource) => {
    const outs = await input.run(image);
    const [b, s] = [outs.get(boxes)!.data, outs.get(scores)!.data];
    stats.bytesReadBack += b.byteLength + s.byteLength;
    const t0 = performance.now();
    const found = weightedNms(decodeDetections(b, s, anchors, params.decode), params.nmsIou).slice(0, maxOut);
    stats.decodeMs += performance.now() - t0;
    return found;
  };
  return {
    input,
    gpu,
    async detect(image) {
      // a model that lost its device answers on the CPU from then on, this frame included
      if (gpu && !gpu.lost && model.backend === 'webgpu') {
        try {
          await input.runOnGpu(image);
          const before = gpu.bytesRead;
          const r = await gpu.decode();
          stats.bytesReadBack += gpu.bytesRead - before;
          stats.readbacks++;
          if (!r.overflow) {
            stats.gpuDecoded++;
            return r.detections;
          }
        } catch (e) {
          if (!(gpu.lost || (e instanceof GpuError && e.code === 'DEVICE_LOST'))) throw e;
        }
      }
      return onCpu(image);
    },
    dispose() {
      gpu?.dispose();
      input.dispose();
    },
  };
}

/**
 * On WebGPU, the decoder that runs on the model's own output buffers (row-major [1, N, C] edges); undefined on the
 * CPU or where the outputs are not plain buffers. Imported lazily: CPU-only apps never load WGSL.
 */
async function gpuDecoder(model: Model, boxes: string, scores: string, anchors: Float32Array, p: DetectorParams, maxOut: number) {
  const exec = model.backend === 'webgpu' ? (model as { executor?: { gpu: { device: GPUDevice }; edgeBuffer(n: string): GPUBuffer | undefined } }).executor : undefined;
  const [b, s] = [exec?.edgeBuffer(boxes), exec?.edgeBuffer(scores)];
  const plain = (n: string) => model.graph.shapes.get(n)?.length === 3;
  if (!exec || !b || !s || !plain(boxes) || !plain(scores)) return undefined;
  const { GpuSsdDecoder } = await import('./gpu-decode.js');
  return GpuSsdDecoder.create(exec.gpu.device, b, s, anchors, p, maxOut);
}
