// Browser half of the WebGPU canvas check (test/gpu-canvas-browser.test.ts): the overlay scene of
// test/support/overlay-scene.ts drawn by GpuMaskRenderer then GpuLandmarkRenderer on a WebGPU canvas (not a texture),
// frames 1 and FRAMES read back by drawing the canvas onto a 2-D canvas in the same task as the submit, before it is
// presented; every createBuffer on the device counted. Pipelines are compiled before the first frame (prepare()).
import { GpuLandmarkRenderer } from '../../src/tasks/draw-gpu.js';
import { GpuMaskRenderer } from '../../src/vision/mask.js';
import { drawScene, FRAMES, H, mask, MASK_ALPHA, MASK_H, MASK_RGB, MASK_W, W } from '../support/overlay-scene.js';
import { countedDevice } from './page-util.js';

/** The 2-D canvas's pixels, premultiplied again (getImageData un-premultiplies; the checks expect the canvas's own premultiplied values). */
function readCanvas(canvas: HTMLCanvasElement): Uint8Array {
  const ctx = new OffscreenCanvas(W, H).getContext('2d')!;
  ctx.drawImage(canvas, 0, 0);
  const d = ctx.getImageData(0, 0, W, H).data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    for (let k = 0; k < 3; k++) out[i + k] = Math.round((d[i + k]! * a) / 255);
    out[i + 3] = a;
  }
  return out;
}

export async function run(): Promise<{ adapter: string; format: string; frames: number[][]; buffersAfterFirst: number; rendererBuffers: number; passes: number; gpuErrors: string[] }> {
  const { adapter, device, gpuErrors, created } = await countedDevice();
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [W, H];
  document.body.append(canvas);
  const maskBuffer = device.createBuffer({ size: mask.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(maskBuffer, 0, mask);
  const masks = new GpuMaskRenderer(device, canvas);
  const overlay = new GpuLandmarkRenderer(device, canvas);
  const frames: number[][] = [];
  let afterFirst = 0;
  // compiled ahead: a frame's two passes and the read-back must fall in one task (the canvas presents its texture at
  // the end of the task that drew it; a pass after an await on a compile would draw on the next texture)
  await Promise.all([masks.prepare(), overlay.prepare()]);
  try {
    for (let f = 0; f < FRAMES; f++) {
      await masks.draw({ buffer: maskBuffer, width: MASK_W, height: MASK_H, strides: { y: MASK_W, x: 1 } }, { x: 0, y: 0, w: MASK_W, h: MASK_H }, { threshold: 0.5, alpha: MASK_ALPHA, color: MASK_RGB });
      await drawScene(overlay, f).render();
      if (f === 0) afterFirst = created();
      if (f === 0 || f === FRAMES - 1) frames.push(Array.from(readCanvas(canvas)));
      // the next frame in a later task, as an app's requestAnimationFrame loop (the canvas is presented between)
      await new Promise((r) => setTimeout(r, 0));
    }
    await device.queue.onSubmittedWorkDone();
    const format = (canvas.getContext('webgpu') as GPUCanvasContext).getConfiguration?.()?.format ?? '?';
    return { frames, format, buffersAfterFirst: created() - afterFirst, rendererBuffers: overlay.buffersCreated, passes: overlay.passes, gpuErrors, adapter };
  } finally {
    masks.dispose();
    overlay.dispose();
    maskBuffer.destroy();
  }
}
