// Runs the input helper's two paths on one source, for the Node test and test/pages/vision-input.ts.
import { GpuImageInput } from '../../src/vision/gpu-input.js';
import { CpuImageInput } from '../../src/vision/input.js';
import { logicalStrides, resolveImageOptions, type ImageInputOptions } from '../../src/vision/options.js';
import type { ImageSource } from '../../src/vision/source.js';

/** GPU path into a fresh buffer (logical layout, or the given strides/offset), read back; the pass count checked by callers. */
export async function gpuConvert(
  device: GPUDevice,
  source: ImageSource,
  opts: ImageInputOptions,
  target?: { strides: { y: number; x: number; c: number }; offset: number; elements: number },
): Promise<{ data: Float32Array; passes: number; video?: string }> {
  const o = resolveImageOptions(opts);
  const n = o.width * o.height * o.c;
  const elements = target?.elements ?? n;
  const bytes = Math.ceil((elements * 4) / 16) * 16;
  const buffer = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const input = new GpuImageInput(device, o, { buffer, strides: target?.strides ?? logicalStrides(o), offset: target?.offset ?? 0 });
  try {
    await input.write(source);
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, 0, read, 0, bytes);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const data = new Float32Array(read.getMappedRange().slice(0, elements * 4));
    read.unmap();
    return { data, passes: input.passes, video: input.video };
  } finally {
    input.dispose();
    buffer.destroy();
    read.destroy();
  }
}

export function cpuConvert(source: ImageSource, opts: ImageInputOptions): Float32Array | Int32Array {
  return new CpuImageInput(resolveImageOptions(opts)).convert(source).tensor.data;
}
