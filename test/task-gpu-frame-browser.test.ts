// The WebGPU tasks in headless Chromium (SwiftShader) fed an ImageBitmap, a canvas, an OffscreenCanvas, a <video> and
// a VideoFrame (test/pages/task-gpu-frame.ts): the frame goes straight to a texture (copyExternalImageToTexture), the
// detector's letterbox and the second stage's crops sample it. Against the same task fed the same pixels as ImageData
// (writeTexture): the same results; no CPU pixel read (getImageData) over a detect() and three video frames, one
// readback per frame, and no GPU buffer, texture or bind group created once the first frames ran.
// SEPCONV_TASK_FRAME_TIMED=N also times N more video frames per path (printed, no assertion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Page from './pages/task-gpu-frame.js';
import { expectWebGpu, openPage, type OpenedPage } from './support/browser.js';

type Api = typeof Page;
let p: OpenedPage;
const call = <K extends keyof Api>(k: K, ...args: Parameters<Api[K]>) =>
  p.page.evaluate((k, args) => ((window as unknown as { __taskGpuFrame: Record<string, (...a: unknown[]) => unknown> }).__taskGpuFrame[k]!)(...args), k, args) as Promise<Awaited<ReturnType<Api[K]>>>;

beforeAll(async () => {
  p = await openPage('/test/pages/task-gpu-frame.html');
  await expectWebGpu(p.page);
  await p.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', { timeout: 120_000 });
});
afterAll(() => expect(p?.errors ?? []).toEqual([]));

/**
 * The same pixels reach the same texture either way (rgba8unorm, not premultiplied, opaque images): the results are
 * equal up to float noise (the tests on pixels hold the chains to 0.01–0.05 px against the CPU decode).
 */
const TOL = 1e-4;
/** Readbacks per frame: detect(), then the first video frame (nothing tracked; face: every frame 1) and two tracked. */
const READBACKS: Record<Page.TaskName, number[]> = { face: [1, 1, 1, 1], hand: [1, 2, 1, 1], pose: [1, 2, 1, 1] };

const CASES: [Page.TaskName, Page.SourceKind][] = [
  ['face', 'bitmap'],
  ['face', 'video'],
  ['hand', 'bitmap'],
  ['hand', 'canvas'],
  ['hand', 'videoframe'],
  ['pose', 'offscreen'],
  ['pose', 'video'],
];

describe('webgpu tasks: the frame straight to the GPU', () => {
  it.each(CASES)('%s from %s: equal to the ImageData upload path; 0 pixel reads, 1 readback a frame, nothing created after the first frames', async (name, kind) => {
    const r = await call('compare', name, kind, Number(process.env.SEPCONV_TASK_FRAME_TIMED ?? 0));
    console.log(`[task-gpu-frame] ${name} from ${kind}: ${r.numbers} numbers, max |Δ| ${r.maxDiff.toExponential(2)}, results ${r.sizes.join(' ')}, pixel reads ${r.pixelReads}, readbacks ${r.readbacks.join(' ')} (ImageData ${r.uploadReadbacks.join(' ')}), created after the first frames ${JSON.stringify(r.createdAfterFirst)}${r.ms.direct ? `, ms/frame ${r.ms.direct.toFixed(0)} (ImageData ${r.ms.upload.toFixed(0)})` : ''}`);
    expect(r.mismatch).toBeUndefined();
    expect(r.maxDiff).toBeLessThanOrEqual(TOL);
    expect(r.numbers).toBeGreaterThan(0);
    for (const n of r.sizes) expect(n).toBeGreaterThanOrEqual(1);
    expect(r.pixelReads).toBe(0);
    expect(r.readbacks).toEqual(READBACKS[name]);
    expect(r.uploadReadbacks).toEqual(READBACKS[name]);
    expect(r.createdAfterFirst).toEqual({ pixelReads: 0, buffers: 0, textures: 0, bindGroups: 0 });
  }, 600_000);
});
