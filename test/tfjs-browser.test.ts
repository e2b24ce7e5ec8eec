import { describe, expect, it } from 'vitest';
import { expectWebGpu, openPage, type OpenedPage } from './support/browser.js';
import { HUMAN_MODELS, tfjsReference } from './support/tfjs-ref.js';
import type { PageRun } from './pages/tfjs-models.js';

/**
 * The package in Chromium on TF.js graph models that cover the op families (pad/max-pool residuals, int32 input
 * with ArgMax/GatherNd/Resize, ConvTranspose/AvgPool gating, DepthToSpace): both backends against TF.js's CPU
 * backend in Node on the same photo input. TFJS_BROWSER_MODELS=a,b,… picks others.
 */
const MODELS = process.env.TFJS_BROWSER_MODELS?.split(',').filter(Boolean) ?? ['blazeface', 'movenet-lightning', 'selfie', 'facemesh-detection-full'];
/** As in test/tfjs-models.test.ts: selfie's mask on SwiftShader WebGPU is 1.24e-4 off (logits ~370). */
const TOL: Record<string, number> = { 'selfie/activation_10': 2e-4, 'blazepose-lite/Identity_1': 1e-3 };

/** One page for the file (a second navigation to the same URL would be a 304, which openPage refuses). */
let opened: Promise<OpenedPage> | undefined;
async function thePage(): Promise<OpenedPage> {
  opened ??= (async () => {
    const o = await openPage('/test/pages/tfjs-models.html');
    await expectWebGpu(o.page);
    await o.page.waitForFunction(() => (window as { __tfjsModels?: unknown }).__tfjsModels !== undefined, { timeout: 120_000 });
    return o;
  })();
  return opened;
}

describe('TF.js graph models in headless Chromium (through the package)', () => {
  for (const name of MODELS)
    it(`${name}: WebGPU and CPU match TF.js CPU, shards fetched relative to model.json with progress`, async () => {
      const ref = await tfjsReference(name);
      const { page, errors } = await thePage();
      const input = Buffer.from(ref.input.buffer, ref.input.byteOffset, ref.input.byteLength).toString('base64');
      for (const backend of ['webgpu', 'cpu'] as const) {
        const r = (await page.evaluate(
          (...a) => (window as unknown as { __tfjsModels: { run: (...x: unknown[]) => Promise<PageRun> } }).__tfjsModels.run(...a),
          `/${HUMAN_MODELS}/${name}.json`, backend, ref.inputName, ref.inputShape, ref.inputDtype === 'int32', input,
        )) as PageRun;
        expect(r.backend).toBe(backend);
        const last = r.progress[r.progress.length - 1]!;
        expect(last[0]).toBe(last[1]);
        expect(last[1]).toBeGreaterThan(0);
        expect(r.outputs.map((o) => o.name)).toEqual(ref.outputs.map((o) => o.name));
        const rels = ref.outputs.map((o, i) => {
          const got = r.outputs[i]!;
          expect(got.shape).toEqual(o.shape);
          const b = Buffer.from(got.data, 'base64');
          const y = got.int ? new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
          let scale = 1;
          let d = 0;
          for (let k = 0; k < o.data.length; k++) scale = Math.max(scale, Math.abs(o.data[k]!));
          for (let k = 0; k < o.data.length; k++) d = Math.max(d, Math.abs(y[k]! - o.data[k]!) || (Number.isNaN(y[k]) ? Infinity : 0));
          return { name: o.name, rel: d / scale };
        });
        console.log(`[tfjs-browser] ${name} ${backend}: load ${r.loadMs.toFixed(0)} ms, first ${r.firstMs.toFixed(0)} ms, second run ${r.steadyMs.toFixed(0)} ms; ${rels.map((e) => `${e.name}=${e.rel.toExponential(2)}`).join(' ')}`);
        for (const e of rels) expect(e.rel, `${name} ${backend} ${e.name}`).toBeLessThanOrEqual(TOL[`${name}/${e.name}`] ?? 1e-4);
      }
      expect(errors).toEqual([]);
    }, 600_000);
});
