// GpuMaskRenderer then GpuLandmarkRenderer on one rgba8unorm texture (Dawn): the landmark pass draws over the mask
// and keeps it elsewhere; the checks of test/gpu-overlay-browser.test.ts (the same scene in Chromium), and the
// renderer's own edges: colours, growth of its buffer, bad targets and coordinates; the 2-D helpers against the same
// reference list.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { GpuLandmarkRenderer, packColor } from '../src/tasks/draw-gpu.js';
import { countingDevice } from './support/counting-device.js';
import { getTestDevice } from './support/gpu.js';
import { runOverlayScene } from './support/overlay-run.js';
import { overlayChecks } from './support/overlay-checks.js';
import { capsules, LINE, RADIUS, SCALE, scene } from './support/overlay-scene.js';
import { drawHandLandmarks, drawPoseLandmarks } from '../src/tasks/draw.js';

describe('GPU landmark overlay over a mask (Dawn)', () => {
  it('packColor reads hex colours and rejects others', () => {
    expect(packColor('#ff8000')).toBe(0xff0080ff);
    expect(packColor('#f80')).toBe(0xff0088ff);
    expect(packColor('#00000080')).toBe(0x80000000);
    expect(() => packColor('red')).toThrow(InputError);
  });

  it('mask, then boxes, hand and pose skeletons on one texture: pixels against the coordinates, no buffers after frame 1', { timeout: 120_000 }, async () => {
    const { gpu, counts } = countingDevice(await getTestDevice());
    overlayChecks('Dawn', await runOverlayScene(gpu.device, () => counts.buffers));
  });

  it('the 2-D helpers draw the same bones and joints, in the same order, as the reference list the GPU is checked against', () => {
    const seen: number[][] = [];
    const ctx = {
      strokeStyle: '',
      fillStyle: '',
      lineWidth: 0,
      beginPath() {},
      rect() {},
      stroke() {},
      fill() {},
      fillText() {},
      moveTo: (x: number, y: number) => seen.push([x, y]),
      lineTo: (x: number, y: number) => seen[seen.length - 1]!.push(x, y, ctx.lineWidth / 2),
      arc: (x: number, y: number, r: number) => seen.push([x, y, x, y, r]),
    };
    const { hand, pose } = scene(2);
    drawHandLandmarks(ctx, hand, { scale: SCALE, lineWidth: LINE, radius: RADIUS });
    drawPoseLandmarks(ctx, pose, { scale: SCALE, lineWidth: LINE, radius: RADIUS });
    const ref = capsules(2).slice(-seen.length).map((c) => [...c.a, ...c.b, c.r]);
    expect(seen.length).toBe(capsules(2).length - 4 - 2); // all but the box's 4 sides and 2 keypoints
    for (let i = 0; i < ref.length; i++) for (let k = 0; k < 5; k++) expect(seen[i]![k]).toBeCloseTo(ref[i]![k]!, 9);
  });

  it('a frame with more primitives than the buffer holds grows it once; bad targets and coordinates are refused', async () => {
    const { device } = await getTestDevice();
    const texture = device.createTexture({ size: [8, 8], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC });
    const small = device.createTexture({ size: [4, 4], format: 'rgba8unorm', usage: GPUTextureUsage.COPY_SRC });
    const overlay = new GpuLandmarkRenderer(device, texture, { capacity: 2 });
    try {
      for (let i = 0; i < 5; i++) overlay.dot(i, i, 1, '#fff');
      await overlay.render({ clear: true });
      await overlay.render();
      expect(overlay.buffersCreated).toBe(2);
      expect(overlay.passes).toBe(2);
      expect(() => new GpuLandmarkRenderer(device, small)).toThrow(/RENDER_ATTACHMENT/);
      expect(() => overlay.dot(Number.NaN, 0, 1, '#fff')).toThrow(InputError);
      expect(() => new GpuLandmarkRenderer(device, texture, { capacity: 0 })).toThrow(/capacity/);
    } finally {
      overlay.dispose();
      texture.destroy();
      small.destroy();
    }
  });
});
