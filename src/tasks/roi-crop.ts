// The second stage's input: a rotated ROI resampled into a landmark model's image input. On WebGPU a compute pass
// writes the model's input buffer (GpuImageInput.writeAffine); elsewhere, or once the model lost its device, the
// crop is made on the CPU (cropRoi).
import type { Model } from '../model.js';
import type { Tensor } from '../tensor.js';
import { GpuImageInput } from '../vision/gpu-input.js';
import { deviceStrides, executorOf } from '../vision/input.js';
import { resolveImageOptions } from '../vision/options.js';
import type { Pixels } from '../vision/resample.js';
import type { ImageSource } from '../vision/source.js';
import { cropRoi, roiAffine, type Roi } from './roi.js';
import { rangeScaling } from './task-model.js';

export interface RoiCrop {
  /** The landmark model's inputs for `roi` of `px` (GPU-resident on WebGPU). */
  inputs(px: Pixels, roi: Roi): Promise<Record<string, Tensor>>;
  /**
   * WebGPU only (undefined elsewhere): the crop of `frame` (a texture holding the image: `put`, or the detector
   * input's frameTexture) whose matrix (m00 … m12) a kernel left in `matrix` at `byteOffset`, into the model's input
   * buffer.
   */
  readonly fromBuffer?: (frame: GPUTexture, matrix: GPUBuffer, byteOffset: number) => Promise<Record<string, Tensor>>;
  /** WebGPU only: puts the image into the crop's own texture, reused across frames (no pixel read for a bitmap, canvas or video). */
  readonly put?: (image: ImageSource) => Promise<GPUTexture>;
  dispose(): void;
}

/** `model`'s single NHWC input `name`, size×size, values in `range`. */
export function roiCrop(model: Model, name: string, size: number, range: readonly [number, number]): RoiCrop {
  const crop = new Float32Array(size * size * 3);
  const shape = model.inputs.find((i) => i.name === name)!.shape;
  const gpu = gpuCrop(model, name, size, range);
  return {
    async inputs(px, roi) {
      if (gpu && model.backend === 'webgpu') {
        // runs already called must have read the buffer before the pass overwrites it
        await gpu.exec.submitted();
        await gpu.input.writeAffine(px, roiAffine(roi, size));
        // GpuModel.run accepts GPU-resident inputs (GpuExecutor.run); Model's signature names host tensors only.
        return { [name]: { buffer: gpu.input.target.buffer, shape } as unknown as Tensor };
      }
      return { [name]: { shape: [1, size, size, 3], data: cropRoi(px, roi, size, range, crop) } as Tensor };
    },
    fromBuffer: gpu
      ? async (frame, matrix, byteOffset) => {
          await gpu.exec.submitted();
          await gpu.input.writeAffineFrom(frame, matrix, byteOffset);
          return { [name]: { buffer: gpu.input.target.buffer, shape } as unknown as Tensor };
        }
      : undefined,
    put: gpu ? (image) => gpu.input.source.put(image) : undefined,
    dispose: () => gpu?.input.dispose(),
  };
}

function gpuCrop(model: Model, name: string, size: number, range: readonly [number, number]) {
  const exec = executorOf(model);
  const buffer = exec?.edgeBuffer(name);
  if (!exec || !buffer) return undefined;
  const shape = model.graph.inputShapes.get(name)!;
  const opts = resolveImageOptions({ width: size, height: size, ...rangeScaling(range) });
  return { exec, input: new GpuImageInput(exec.gpu.device, opts, { buffer, strides: deviceStrides(shape, 'nhwc', exec.isRaw(name)) }) };
}
