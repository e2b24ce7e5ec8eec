// MobileNetV2 (width 1.0, 224², seeded weights) per backend in this browser; driven by bench/run-browsers.ts.
// ?backends=cpu,cpu-1,webgpu&runs=N. Publishes window.__bench: features, then per backend the reason and median ms.
import { detectFeatures } from '../src/features.js';
import { load, type Backend } from '../src/model.js';
import { encodeOnnx } from '../src/onnx/export.js';
import { mobilenetV2 } from '../test/support/mobilenet-v2.js';

export interface BrowserBenchRow {
  backend: string;
  used?: string;
  reason?: string;
  loadMs?: number;
  firstMs?: number;
  medianMs?: number;
  runsMs?: number[];
  error?: string;
}

const q = new URLSearchParams(location.search);
const runs = Number(q.get('runs') ?? 5);
const backends = (q.get('backends') ?? 'cpu').split(',');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main() {
  const features = await detectFeatures();
  // Through the ONNX bytes, as an app loads a model.
  const bytes = encodeOnnx(mobilenetV2(224));
  const input = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i * 0.37));
  const rows: BrowserBenchRow[] = [];
  for (const b of backends) {
    const row: BrowserBenchRow = { backend: b };
    try {
      const t0 = performance.now();
      const backend = (b === 'cpu-1' ? 'cpu' : b) as Backend;
      const m = await load(bytes, { backend, ...(b === 'cpu-1' ? { numThreads: 1 } : {}) });
      row.loadMs = performance.now() - t0;
      const t1 = performance.now();
      await m.run({ input });
      row.firstMs = performance.now() - t1;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await m.run({ input });
        times.push(performance.now() - t);
      }
      Object.assign(row, { used: m.backend, reason: m.reason, runsMs: times, medianMs: median(times) });
      m.dispose();
    } catch (e) {
      row.error = String((e as Error).message ?? e);
    }
    rows.push(row);
    document.getElementById('out')!.textContent = JSON.stringify(rows, null, 2);
  }
  return { features, rows };
}

const w = window as unknown as { __bench?: unknown };
main().then(
  (r) => (w.__bench = r),
  (e) => (w.__bench = { error: String((e as Error).stack ?? e) }),
);
