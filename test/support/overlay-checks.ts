// The checks both GPU overlay tests (Dawn, Chromium) make on a run of test/support/overlay-run.ts.
import { expect } from 'vitest';
import { capsules, checkPixels, FRAMES, H, HIDDEN, MASK_ALPHA, MASK_EDGE, MASK_RGB, SCALE, scene, segmentDistance, W } from './overlay-scene.js';

/** The checks both overlay tests make on a run of test/support/overlay-run.ts (frames 1 and FRAMES), printed as `where`. */
export function overlayChecks(where: string, r: { frames: ArrayLike<number>[]; buffersAfterFirst: number; rendererBuffers: number; passes: number }): void {
  const half = Math.round(MASK_ALPHA * 255);
  // the mask's 0.5 crossing runs down MASK_EDGE: its neighbour columns are left unchecked
  const background = (x: number) => (Math.abs(x + 0.5 - MASK_EDGE) <= 1.5 ? undefined : x < MASK_EDGE ? { rgba: [...MASK_RGB.map((c) => c * MASK_ALPHA), half], tol: 1 } : { rgba: [0, 0, 0, 0], tol: 0 });
  const results = [checkPixels(r.frames[0]!, 0, background), checkPixels(r.frames[1]!, FRAMES - 1, background)];
  console.log(`[gpu-overlay] ${where}: ${results.map((c, i) => `frame ${i ? FRAMES : 1}: ${Object.entries(c.inside).map(([k, n]) => `${n} px of [${k}]`).join(', ')} inside, ${c.outside} px of mask or nothing outside`).join('; ')}; buffers created after frame 1: ${r.buffersAfterFirst} (the renderer's own, in all: ${r.rendererBuffers})`);
  expect(results.flatMap((c) => c.bad)).toEqual([]);
  for (const c of results) {
    expect(Object.keys(c.inside).length).toBe(3);
    for (const n of Object.values(c.inside)) expect(n).toBeGreaterThan(100);
    expect(c.outside).toBeGreaterThan((W * H) / 2);
  }
  // the hidden landmark's place is far from every drawn primitive, and shows the mask only
  const h = scene(FRAMES - 1).pose[HIDDEN]!;
  const [x, y] = [Math.floor(h.x * SCALE), Math.floor(h.y * SCALE)];
  expect(capsules(FRAMES - 1).every((c) => segmentDistance([x + 0.5, y + 0.5], c.a, c.b) - c.r > 1)).toBe(true);
  expect(r.frames[1]![4 * (y * W + x) + 3]).toBe(half);
  expect(r.buffersAfterFirst).toBe(0);
  expect(r.rendererBuffers).toBe(2);
  expect(r.passes).toBe(FRAMES);
}
