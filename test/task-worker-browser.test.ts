// The tasks on the CPU backend in headless Chromium (test/pages/task-worker.ts): with the default options their pixel
// work and post-processing (the detector's letterbox, SSD decode + weighted NMS, the second stage's crops, the
// landmark and mask projections) run in the task worker, each frame sent there once (an ImageBitmap, transferred),
// and every result equals the one computed on the page's thread (`taskWorker: false`): face detector, hand
// landmarker, pose landmarker with its mask, selfie segmenter, each on one image and over three video frames
// (tracking), and with every SSD box above the threshold (threshold 0). A task worker killed mid-step costs no frame
// (the frame is computed on the page, the same), a second death leaves the task on the page, and pixels the caller
// owns are copied, not taken. The page's busy time per frame is printed, both ways (no assertion on it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as TaskPage from './pages/task-worker.js';
import { openPage, type OpenedPage } from './support/browser.js';

type Api = typeof TaskPage;
let p: OpenedPage;
const call = <K extends keyof Api>(k: K, ...args: Parameters<Api[K]>) =>
  p.page.evaluate((k, args) => ((window as unknown as { __taskWorker: Record<string, (...a: unknown[]) => unknown> }).__taskWorker[k]!)(...args), k, args) as Promise<Awaited<ReturnType<Api[K]>>>;

beforeAll(async () => {
  p = await openPage('/test/pages/task-worker.html');
  await p.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', { timeout: 120_000 });
});
afterAll(() => expect(p?.errors ?? []).toEqual([]));

/** The steps each case must have sent to its task worker. */
const STEPS: Record<TaskPage.CaseName, string[]> = {
  face: ['letterbox', 'release', 'ssd'],
  'face worst': ['letterbox', 'release', 'ssd'],
  hand: ['crops', 'hand', 'letterbox', 'release', 'ssd'],
  'hand worst': ['crops', 'hand', 'letterbox', 'release', 'ssd'],
  pose: ['crops', 'letterbox', 'pose', 'release', 'ssd'],
  'pose worst': ['crops', 'letterbox', 'pose', 'release', 'ssd'],
  selfie: ['letterbox', 'mask', 'release'],
};

describe('tasks on the CPU backend in Chromium: pixel work and post-processing in the task worker', () => {
  it.each(Object.keys(STEPS) as TaskPage.CaseName[])('%s: results equal the page-thread path, one image and three video frames', async (name) => {
    const r = await call('compare', name);
    console.log(`[task-worker] ${name}: ${r.numbers} numbers compared, max |Δ| ${r.maxDiff}, results per frame ${r.sizes.join(' ')}, steps in the worker ${JSON.stringify(r.steps)}, frames sent ${r.framesSent}`);
    expect(r.mismatch).toBeUndefined();
    // the same code on the same numbers: equal, not merely close (the acceptance allows 1e-4 px)
    expect(r.maxDiff).toBe(0);
    expect(r.numbers).toBeGreaterThanOrEqual(4 * 17);
    for (const n of r.sizes) expect(n).toBeGreaterThanOrEqual(1);
    expect(Object.keys(r.steps).sort()).toEqual(STEPS[name]);
    // one task worker for the default task, none for `taskWorker: false`
    expect(r.workers).toBe(1);
    // each of the 4 frames reached the worker once (the detector's letterbox and the crops read the same copy)
    expect(r.framesSent).toBe(4);
    expect(r.steps.release).toBe(4);
  }, 240_000);

  it('pixels the caller owns are copied to the task worker, not detached', async () => {
    const r = await call('callerPixels');
    expect(r.mismatch).toBeUndefined();
    expect(r.maxDiff).toBe(0);
    expect(r.found).toBe(1);
    expect(r.bytesAfter).toBe(r.expected);
  }, 120_000);

  it.each([
    ['face', 'ssd'],
    ['hand', 'crops'],
    ['pose', 'pose'],
  ] as const)('%s: a task worker killed during its %s step costs no frame; after a second death the task stays on the page', async (name, step) => {
    const frames = await call('kill', name, step);
    console.log(`[task-worker] kill ${name}/${step}: ${JSON.stringify(frames)}`);
    for (const f of frames) {
      expect(f.mismatch).toBeUndefined();
      expect(f.maxDiff).toBe(0);
      expect(f.found).toBeGreaterThanOrEqual(1);
    }
    // frame 1 and 2 each start a worker that is killed; frames 3 and 4 post nothing
    expect(frames.map((f) => f.workers)).toEqual([1, 2, 2, 2]);
    expect(frames.slice(2).map((f) => f.steps)).toEqual([0, 0]);
  }, 240_000);

  it('page-thread busy time per frame, page thread vs task worker (printed, interleaved)', async () => {
    const cases: TaskPage.CaseName[] = ['face', 'face worst', 'hand', 'hand worst', 'pose', 'pose worst'];
    const N = 8;
    const REPS = 4;
    const rows: string[] = [];
    // the page's main thread CPU time in its tasks (thread ticks, so that the machine's other load does not count)
    const cdp = await p.page.createCDPSession();
    await cdp.send('Performance.disable');
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const busy = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value * 1000;
    for (const name of cases) {
      for (const w of [false, true]) await call('open', name, w);
      const acc = { false: { busy: 0, wall: 0, long: [] as number[] }, true: { busy: 0, wall: 0, long: [] as number[] } };
      for (let rep = 0; rep < REPS; rep++)
        for (const w of rep % 2 ? [true, false] : [false, true]) {
          const b0 = await busy();
          const r = await call('frames', name, w, N);
          const a = acc[`${w}`];
          a.busy += (await busy()) - b0;
          a.wall += r.ms;
          a.long.push(...r.longTasks);
        }
      const fmt = (a: typeof acc.true) => `${(a.busy / (REPS * N)).toFixed(2)} ms CPU/frame (wall ${(a.wall / (REPS * N)).toFixed(1)} ms/frame), ${a.long.length} long tasks${a.long.length ? ` (max ${Math.max(...a.long).toFixed(0)} ms)` : ''}`;
      rows.push(`${name}: page thread ${fmt(acc.false)}; task worker ${fmt(acc.true)}`);
      await call('closeAll');
    }
    await cdp.detach();
    console.log(`[task-worker] Chromium, CPU backend, main thread CPU time in tasks per frame, ${N}×${REPS} frames each:\n  ${rows.join('\n  ')}`);
    expect(rows).toHaveLength(cases.length);
  }, 600_000);
});
