// MobileNetV2 224² (width 1.0, seeded weights) per browser engine and backend, median ms; prints a table and what
// each engine offered. `npm run bench:browsers` (BENCH_ENGINES=chromium,firefox,webkit BENCH_RUNS=5). A benchmark:
// it prints figures and asserts only that every row ran.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Features } from '../src/features.js';
import { startServer } from '../test/support/browser.js';
import { ENGINES, launch, type EngineName } from '../test/support/browsers.js';
import type { BrowserBenchRow } from './browsers.js';

const engines = (process.env.BENCH_ENGINES?.split(',') ?? ENGINES) as EngineName[];
const runs = Number(process.env.BENCH_RUNS ?? 5);
// WebGPU only where the engine offers an adapter; on SwiftShader it is a software figure.
const backendsFor = (f: Features) => ['cpu', 'cpu-1', ...(f.webgpu.available ? ['webgpu'] : [])];
let server: Awaited<ReturnType<typeof startServer>> | undefined;

beforeAll(async () => {
  server = await startServer(true); // cross-origin isolated: threads where the engine has SharedArrayBuffer
});
afterAll(async () => server?.close());

for (const engine of engines)
  it(`MobileNetV2 224² in ${engine}`, async () => {
    const xb = await launch(engine);
    try {
      const page = await xb.newPage();
      await page.goto(`${server!.url}/bench/browsers.html?backends=cpu&runs=0`);
      await page.waitFor(() => (window as { __bench?: unknown }).__bench !== undefined, 300_000);
      const probe = await page.evaluate(() => (window as unknown as { __bench: { features: Features } }).__bench);
      const backends = backendsFor(probe.features);
      await page.goto(`${server!.url}/bench/browsers.html?backends=${backends.join(',')}&runs=${runs}&t=2`);
      await page.waitFor(() => (window as { __bench?: unknown }).__bench !== undefined, 800_000);
      const r = await page.evaluate(() => (window as unknown as { __bench: { features: Features; rows: BrowserBenchRow[]; error?: string } }).__bench);
      await page.close();
      expect(r.error).toBeUndefined();
      const f = r.features;
      console.log(
        `[bench] ${engine} ${xb.version}: WebGPU ${f.webgpu.available ? `yes (${f.webgpu.adapter?.vendor} ${f.webgpu.adapter?.architecture}${f.webgpu.adapter?.isSoftware ? ', software' : ''}; ${Object.entries(f.webgpu.features).filter(([, v]) => v.available).map(([k]) => k).join(', ') || 'no optional features'})` : 'no'}, ` +
          `wasm SIMD ${f.wasmSimd.available ? 'yes' : 'no'}, threads ${f.threads.available ? 'yes' : `no (${f.threads.reason})`}, OffscreenCanvas ${f.offscreenCanvas.available ? 'yes' : 'no'}, rVFC ${f.videoFrameCallback.available ? 'yes' : 'no'}`,
      );
      for (const row of r.rows)
        console.log(
          row.error
            ? `[bench] ${engine} ${row.backend}: ERROR ${row.error}`
            : `[bench] ${engine} ${row.backend.padEnd(6)} median ${row.medianMs!.toFixed(1)} ms over ${runs} (first ${row.firstMs!.toFixed(0)} ms, load ${row.loadMs!.toFixed(0)} ms; ${row.runsMs!.map((x) => x.toFixed(0)).join(' ')}) — ${row.reason}`,
        );
      expect(r.rows.filter((x) => x.error)).toEqual([]);
    } finally {
      await xb.close();
    }
  });
