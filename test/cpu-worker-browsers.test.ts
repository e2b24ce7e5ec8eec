// The CPU backend in its module Worker in Firefox ESR and WebKitGTK (test/pages/cpu-worker.ts on a cross-origin
// isolated dev server; Chromium's full suite is test/cpu-worker-browser.test.ts). Both engines: worker results
// bitwise equal to runCpu on the page thread, on the thread count each engine allows. Firefox also: the page keeps
// drawing during back-to-back inference (the heavy case, in one engine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './support/browser.js';
import { launch, type EngineName, type XBrowser, type XPage } from './support/browsers.js';

let server: Awaited<ReturnType<typeof startServer>> | undefined;
beforeAll(async () => {
  server = await startServer(true);
}, 60_000);
afterAll(async () => server?.close());

type Api = Window['__cpuWorker'];

describe.each(['firefox', 'webkit'] as const)('CPU backend in a worker (%s)', (engine: EngineName) => {
  let xb: XBrowser | undefined;
  let page: XPage;
  const call = <K extends keyof Api>(k: K, ...args: Parameters<Api[K]>) =>
    page.evaluate((k: string, args: unknown[]) => ((window.__cpuWorker as unknown as Record<string, (...a: unknown[]) => unknown>)[k]!)(...args), k, args) as Promise<Awaited<ReturnType<Api[K]>>>;

  beforeAll(async () => {
    xb = await launch(engine);
    page = await xb.newPage();
    await page.goto(`${server!.url}/test/pages/cpu-worker.html`);
    await page.waitFor(() => document.getElementById('status')?.textContent === 'ready', 120_000);
  }, 180_000);
  afterAll(async () => {
    await page?.close();
    await xb?.close();
  });

  it('the page is cross-origin isolated', async () => {
    expect((await call('info')).crossOriginIsolated).toBe(true);
  });

  it('worker results (run, profile, transferred inputs) are bitwise those of runCpu on the page thread', async () => {
    // a call that never returns (the browser's 120 s protocol timeout) fails naming the step it was on
    const cases = await call('equal').catch(async (e: Error) => {
      throw new Error(`${e.message}; steps reached: ${(await call('trail')).slice(-3).join(' | ')}`);
    });
    console.log(`[cpu-worker] ${engine}: ${cases.filter((c) => c.name.endsWith('run')).map((c) => `${c.name}: ${c.detail}`).join(' | ')}`);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      expect(c.diff, `${c.name} (${c.detail})`).toBeUndefined();
      if (!c.name.endsWith('run')) continue;
      // Firefox gives the team SharedArrayBuffer; WebKitGTK 2.50 does not, so its worker runs one thread and says why.
      // Seen here: WebKitGTK starts the first worker of a session and then reports later ones as failed to load
      // (a worker 'error' event); load() then answers on the caller's thread and says so. Results stay exact.
      if (engine === 'webkit' && c.name === 'block 1t run') expect(c.detail).toMatch(/in a worker, 1 thread: SharedArrayBuffer is not exposed although the page is cross-origin isolated/);
      else if (engine === 'webkit') expect(c.detail).toMatch(/in a worker, 1 thread: (numThreads is 1|SharedArrayBuffer is not exposed)|on the caller's thread: the CPU worker could not start/);
      else expect(c.detail).toMatch(c.name.includes(' 1t') ? /in a worker, 1 thread: numThreads is 1/ : new RegExp(`in a worker, ${c.name.match(/ (\d)t/)![1]} threads`));
    }
  }, 180_000);

  if (engine === 'firefox')
    it('40 load / run / dispose cycles on 3 threads: every model gets its worker and team, none waits for a timeout', async () => {
      const loads = await call('churn', 3, 40);
      const worst = Math.max(...loads.map((l) => l.ms));
      console.log(`[cpu-worker] firefox churn: 40 loads, median ${loads.map((l) => l.ms).sort((a, b) => a - b)[20]!.toFixed(0)} ms, worst ${worst.toFixed(0)} ms`);
      for (const [i, l] of loads.entries()) expect(l.reason, `load ${i}`).toMatch(/in a worker, 3 threads$/);
      // a stalled worker start shows as a 15 s (team) or 60 s (worker) timeout
      expect(worst).toBeLessThan(15_000);
    }, 180_000);

  if (engine === 'firefox')
    it('2 s of back-to-back MobileNetV2 448² inference in the worker: the page keeps drawing (frame gaps shorter than a run)', async () => {
      // 448², as in Chromium's test: a run of several frames, so that a blocked page would show (224² now runs in ~2 frames)
      const r = await call('jank', 448, 2, true);
      console.log(`[cpu-worker] firefox: ${r.runs} runs, ${r.msPerRun.toFixed(0)} ms/run, ${r.frames} frames, frame gap p90 ${r.p90FrameGapMs.toFixed(1)} ms, max ${r.maxFrameGapMs.toFixed(1)} ms (Firefox reports no longtask entries); ${r.reason}`);
      expect(r.reason).toMatch(/in a worker, \d threads?/);
      expect(r.runs).toBeGreaterThan(0);
      // Relative, not absolute (the machine is shared): a page blocked by inference would draw about one frame per
      // run, every gap a whole run; so the 90th-percentile gap, not the longest: Firefox on this 2-core VM once
      // showed one 143 ms gap (2.5 runs of 58 ms). Chromium's absolute 50 ms bounds are in
      // test/cpu-worker-browser.test.ts.
      expect(r.frames).toBeGreaterThan(2 * r.runs);
      expect(r.p90FrameGapMs).toBeLessThan(r.msPerRun);
    }, 120_000);
});
