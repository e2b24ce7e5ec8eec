// An SSD detector as a task's first stage: image → model input → decode + weighted NMS. On WebGPU the decoding runs
// as one kernel on the model's output buffers (gpu-decode.ts) and only the detections are read back; on the CPU, after
// a device loss, or when more boxes pass the threshold than the kernel keeps, the raw tensors are decoded by the
// task's steps (the task worker in browsers, this thread in Node).
import { GpuError } from '../errors.js';
import type { Model } from '../model.js';
import type { ImageInput } from '../vision/input.js';
import { ssdAnchors } from './anchors.js';
import { decodeDetections, weightedNms, type RawDetection } from './detections.js';
import type { GpuSsdDecoder } from './gpu-decode.js';
import type { DetectorParams } from './params.js';
import { countedRun, ssdOutputs, taskInput } from './task-model.js';
import { Frame, orOnThisThread, type TaskSteps } from './task-steps.js';
import type { Placement } from '../vision/options.js';
import { PixelReader, type ImageSource } from '../vision/source.js';

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
  readonly input: ImageInput;
  /** Maps model-input coordinates back to the last image. */
  readonly placement: Placement | undefined;
  /**
   * At most maxOut detections, best first, in the model input's normalised coordinates. `frame`: the image as the
   * task's later steps read it too (the task worker then holds it once for all of them).
   */
  detect(image: ImageSource, frame?: Frame): Promise<RawDetection[]>;
  /** On WebGPU, the decoding kernel (a second stage may chain on its result buffer); undefined elsewhere. */
  readonly gpu?: GpuSsdDecoder;
  dispose(): void;
}

/** `steps`: where the CPU path decodes (task-steps.ts: the task worker in browsers). */
export async function ssdStage(task: string, model: Model, params: DetectorParams, maxOut: number, stats: DecodeStats, steps?: TaskSteps): Promise<SsdStage> {
  const { boxes, scores } = ssdOutputs(task, model, params.decode);
  const anchors = ssdAnchors(params.anchors);
  const input = await taskInput(model, params.range, params.resize);
  const gpu = await gpuDecoder(model, boxes, scores, anchors, params, maxOut);
  // the task worker's letterbox placed the last image (undefined: the input helper did)
  let placed: Placement | undefined;
  const here = async (image: ImageSource): Promise<RawDetection[]> => {
    placed = undefined;
    // on WebGPU (an overflow frame) countedRun counts the engine's readbacks and bytes
    const [bytes, outs] = [stats.bytesReadBack, await countedRun(stats, model, () => input.run(image))];
    const [b, s] = [outs.get(boxes)!.data, outs.get(scores)!.data];
    if (stats.bytesReadBack === bytes) stats.bytesReadBack += b.byteLength + s.byteLength;
    const t0 = performance.now();
    const found = weightedNms(decodeDetections(b, s, anchors, params.decode), params.nmsIou).slice(0, maxOut);
    stats.decodeMs += performance.now() - t0;
    return found;
  };
  // the task worker letterboxes the frame and decodes the outputs (this run's own arrays: they move there)
  const inWorker = async (w: TaskSteps, frame: Frame): Promise<RawDetection[]> => {
    const { data, placement } = await w.onFrame('letterbox', frame, { opts: input.options });
    const outs = await model.run({ [input.name]: { shape: input.shape, data } });
    placed = placement;
    const [b, s] = [outs.get(boxes)!.data, outs.get(scores)!.data];
    stats.bytesReadBack += b.byteLength + s.byteLength;
    const args = { boxes: b, scores: s, anchors, decode: params.decode, nmsIou: params.nmsIou, maxOut };
    return w.run('ssd', args, [...new Set([b.buffer, s.buffer])] as ArrayBuffer[]);
  };
  let reader: PixelReader | undefined;
  const onCpu = async (image: ImageSource, frame?: Frame): Promise<RawDetection[]> => {
    // a WebGPU model's overflow frames keep their GPU letterbox
    if (!steps?.inWorker || model.backend !== 'cpu') return here(image);
    const f = frame ?? new Frame(image, (reader ??= new PixelReader()));
    try {
      return await orOnThisThread(() => inWorker(steps, f), () => here(image));
    } finally {
      if (!frame) steps.release(f);
    }
  };
  return {
    input,
    gpu,
    get placement() {
      return placed ?? input.placement;
    },
    async detect(image, frame) {
      placed = undefined;
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
      return onCpu(image, frame);
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
