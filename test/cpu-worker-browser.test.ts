// The CPU backend in a module Worker, in headless Chromium on a cross-origin isolated page (test/pages/cpu-worker.ts):
// the page keeps drawing during back-to-back MobileNetV2 448² inference, worker results equal the in-thread ones,
// a killed worker costs no call, dispose() leaves no worker, concurrency and device loss behave as on the main thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type OpenedPage } from './support/browser.js';

let p: OpenedPage;
type Api = Window['__cpuWorker'];
const call = <K extends keyof Api>(k: K, ...args: Parameters<Api[K]>) =>
  p.page.evaluate((k, args) => (window.__cpuWorker[k] as (...a: unknown[]) => unknown)(...args), k, args) as Promise<Awaited<ReturnType<Api[K]>>>;

beforeAll(async () => {
  p = await openPage('/test/pages/cpu-worker.html', { crossOriginIsolated: true });
  await p.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', { timeout: 120_000 });
});
afterAll(() => expect(p?.errors ?? []).toEqual([]));

describe('CPU backend in a worker (Chromium)', () => {
  it('the page is cross-origin isolated', async () => {
    expect((await call('info')).crossOriginIsolated).toBe(true);
  });

  it('3 s of back-to-back MobileNetV2 448² inference: the page never blocks for as long as a run', async () => {
    // The baseline, measured in this run on this machine: the same model on the page's thread, where each run
    // holds the page for its whole length (the page draws at most a frame between runs). In the worker, the
    // longest task and frame gap must stay under one worker run (a worker that held the page would hold it for
    // at least that) and under a third of a page-thread run.
    const inPage = await call('jank', 448, 1, false);
    const r = await call('jank', 448, 3, true);
    const show = (w: string, j: typeof r) => `${w}: ${j.runs} runs, ${j.msPerRun.toFixed(0)} ms/run, ${j.frames} frames, max frame gap ${j.maxFrameGapMs.toFixed(1)} ms, longest task ${j.maxLongTaskMs.toFixed(0)} ms`;
    console.log(`${show('page thread', inPage)}; ${show('worker', r)}; ${r.reason}`);
    expect(r.reason).toMatch(/in a worker, \d threads?/);
    expect(inPage.frames, 'the baseline blocks the page').toBeLessThanOrEqual(inPage.runs + 1);
    expect(r.runs).toBeGreaterThan(1);
    expect(r.frames, 'the page draws between runs').toBeGreaterThan(r.runs);
    const bound = Math.min(r.msPerRun, inPage.msPerRun / 3);
    expect(r.maxLongTaskMs).toBeLessThan(bound);
    expect(r.maxFrameGapMs).toBeLessThan(bound);
  }, 180_000);

  it('worker results (run, profile, transferred inputs) are bitwise those of runCpu on the page thread', async () => {
    for (const c of await call('equal')) {
      expect(c.diff, `${c.name} (${c.detail})`).toBeUndefined();
      if (c.name.endsWith('run')) expect(c.detail).toMatch(c.name.includes(' 1t') ? /in a worker, 1 thread: numThreads is 1/ : new RegExp(`in a worker, ${c.name.match(/ (\d)t/)![1]} threads`));
      if (c.name.endsWith('transferred')) expect(c.detail).toMatch(/length after run: 0$/);
      if (c.name.endsWith('profile')) expect(c.detail).toMatch(/^cpu, [1-9]\d* layers/);
    }
  }, 120_000);

  it('a worker killed mid-run: the run is retried on a fresh worker (copied inputs) or rejects with a WorkerError (transferred); the next run answers', async () => {
    const r = (await call('kill')) as Record<string, { killed: { ok: boolean; diff?: string; error?: Record<string, unknown> }; nextDiff: string | null; workers: number; live: number; liveAfterDispose: number }>;
    expect(r.copied!.killed).toEqual({ ok: true, diff: undefined });
    expect(r.transferred!.killed.ok).toBe(false);
    expect(r.transferred!.killed.error).toMatchObject({ name: 'WorkerError', code: 'WORKER', isWorkerError: true, retried: false });
    for (const k of ['copied', 'transferred']) {
      expect(r[k]!.nextDiff, k).toBeNull();
      expect(r[k]!.workers, k).toBe(2);
      expect(r[k]!.live, k).toBe(1);
      expect(r[k]!.liveAfterDispose, k).toBe(0);
    }
  }, 120_000);

  it('a helper thread killed mid-run: the run and the next one are answered by a fresh worker and team, exact; nothing left after dispose', async () => {
    const r = await call('killHelper');
    expect(r.reason).toMatch(/in a worker, 2 threads/);
    expect(r.killed).toEqual({ ok: true, diff: null });
    // the page sees the helper die: no wait for the team's 30 s timeout
    expect(r.answeredMs).toBeLessThan(20_000);
    expect(r.nextDiff).toBeNull();
    expect(r.workers).toBe(2);
    expect(r.helpers).toBe(2);
    expect(r.live).toBe(1);
    expect(r.liveHelpers).toBe(1);
    expect(r.liveAfterDispose).toBe(0);
  }, 120_000);

  it('dispose() terminates every worker, pending runs reject with DISPOSED, later runs too', async () => {
    const r = await call('leak');
    expect(r.made).toBe(13); // 12 models + the replacement of the killed worker
    expect(r.live).toBe(0);
    // the page makes each worker's helper threads (worker-spawn.ts): one per model on 2 cores, ended with it
    expect(r.helpers).toBeGreaterThanOrEqual(13);
    expect(r.liveHelpers).toBe(0);
    expect(r.afterDispose).toHaveLength(13);
    for (const a of r.afterDispose) expect(a).toMatchObject({ name: 'WorkerError', code: 'DISPOSED', isWorkerError: true });
  }, 120_000);

  it('interleaved callers each get their own result; a bad input fails alone with an InputError', async () => {
    for (const c of await call('concurrency')) {
      if (c.k === 3) expect(c.rejected).toMatchObject({ name: 'InputError', code: 'INPUT', isInputError: true });
      else expect(c.diff, `caller ${c.k}`).toBeNull();
    }
  }, 60_000);

  it('an input array overwritten right after run(): each result is that of the values passed, outputs never alias the reused snapshots', async () => {
    const r = await call('reusedInput');
    expect(r).toHaveLength(24);
    for (const c of r) expect(c.diff, `${c.graph} run ${c.k}`).toBeNull();
  }, 60_000);

  it('WebGPU device loss: in-flight and later runs are answered by the CPU backend in a worker; nothing left after dispose', async () => {
    const r = await call('deviceLoss');
    expect(r.before).toBe('webgpu');
    expect(r.after).toBe('cpu');
    expect(r.reason).toMatch(/lost/);
    for (const d of r.diffs) expect(d).toBeLessThan(1e-3);
    expect(r.workers).toBeGreaterThanOrEqual(1);
    expect(r.liveAfterDispose).toBe(0);
  }, 180_000);
});
