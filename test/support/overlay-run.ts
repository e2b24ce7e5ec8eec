// The GPU overlay scene run on a device (Dawn in Node, Chromium's WebGPU in test/pages/gpu-overlay.ts): FRAMES frames,
// each GpuMaskRenderer then GpuLandmarkRenderer on one rgba8unorm texture, frames 1 and FRAMES read back (RGBA rows),
// buffers created on the device after frame 1 counted (`countBuffers` gives the running count).
import { GpuLandmarkRenderer } from '../../src/tasks/draw-gpu.js';
import { GpuMaskRenderer } from '../../src/vision/mask.js';
import { drawScene, FRAMES, H, mask, MASK_ALPHA, MASK_H, MASK_RGB, MASK_W, W } from './overlay-scene.js';

const ROW = Math.ceil((W * 4) / 256) * 256;
// GPUBufferUsage / GPUTextureUsage / GPUMapMode bits (the namespaces are absent in some Node set-ups before init)
const [MAP_READ, COPY_DST, STORAGE_BUF] = [0x1, 0x8, 0x80];
const [COPY_SRC, STORAGE_BINDING, RENDER_ATTACHMENT] = [0x1, 0x8, 0x10];

export interface OverlayRun {
  frames: Uint8Array[];
  buffersAfterFirst: number;
  rendererBuffers: number;
  passes: number;
}

export async function runOverlayScene(device: GPUDevice, countBuffers: () => number): Promise<OverlayRun> {
  const maskBuffer = device.createBuffer({ size: mask.byteLength, usage: STORAGE_BUF | COPY_DST });
  device.queue.writeBuffer(maskBuffer, 0, mask);
  const texture = device.createTexture({ size: [W, H], format: 'rgba8unorm', usage: STORAGE_BINDING | RENDER_ATTACHMENT | COPY_SRC });
  const read = device.createBuffer({ size: ROW * H, usage: MAP_READ | COPY_DST });
  const masks = new GpuMaskRenderer(device, texture);
  const overlay = new GpuLandmarkRenderer(device, texture);
  const frames: Uint8Array[] = [];
  let afterFirst = 0;
  try {
    for (let f = 0; f < FRAMES; f++) {
      await masks.draw({ buffer: maskBuffer, width: MASK_W, height: MASK_H, strides: { y: MASK_W, x: 1 } }, { x: 0, y: 0, w: MASK_W, h: MASK_H }, { threshold: 0.5, alpha: MASK_ALPHA, color: MASK_RGB });
      await drawScene(overlay, f).render();
      if (f === 0) afterFirst = countBuffers();
      if (f !== 0 && f !== FRAMES - 1) continue;
      const enc = device.createCommandEncoder();
      enc.copyTextureToBuffer({ texture }, { buffer: read, bytesPerRow: ROW }, [W, H]);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(MAP_READ);
      const rows = new Uint8Array(read.getMappedRange());
      const pixels = new Uint8Array(W * H * 4);
      for (let y = 0; y < H; y++) pixels.set(rows.subarray(y * ROW, y * ROW + W * 4), y * W * 4);
      read.unmap();
      frames.push(pixels);
    }
    return { frames, buffersAfterFirst: countBuffers() - afterFirst, rendererBuffers: overlay.buffersCreated, passes: overlay.passes };
  } finally {
    masks.dispose();
    overlay.dispose();
    maskBuffer.destroy();
    texture.destroy();
    read.destroy();
  }
}
