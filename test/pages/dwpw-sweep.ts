// Runs the shared seeded DSC-pair sweep (test/support/dwpw-sweep.ts) in the browser: each config's FusedDwPw
// node (the tiled fused kernel) via the single-node runner, against the CPU reference of the
// unfused pair; results are exposed as window.__sweep.
import { requestGpu } from '../../src/gpu/device.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../../src/gpu/dispatch-node.js';
import { dwPwProgram } from '../../src/gpu/programs/dwpw.gpu.js';
import { compare } from '../support/conv-sweep.js';
import { buildDwPw, DWPW_CONFIGS, referenceOf } from '../support/dwpw-sweep.js';
import type { SweepResult } from './sweep.js';

async function main(): Promise<{ results: SweepResult[]; error?: string }> {
  const gpu = await requestGpu();
  if (!gpu) return { results: [], error: 'no WebGPU adapter' };
  const pipelines = new PipelineCache(gpu.device);
  const status = document.getElementById('status')!;
  const results: SweepResult[] = [];
  for (const cfg of DWPW_CONFIGS) {
    const { plain, fused, inputs, constants, feeds } = buildDwPw(cfg);
    const want = referenceOf(plain, feeds);
    try {
      const [got] = await runNodeOnGpu(gpu, fused, inputs, constants, pipelines, dwPwProgram);
      results.push({ name: cfg.name, ...compare(got!.data, want.data) });
    } catch (e) {
      results.push({ name: cfg.name, maxErr: NaN, bad: 0, error: (e as Error).message });
    }
    status.textContent = `${results.length} / ${DWPW_CONFIGS.length}`;
  }
  const failed = results.filter((r) => r.bad >= 0);
  status.textContent = `${results.length} runs, ${failed.length} failed, ${pipelines.size} pipelines`;
  document.getElementById('failures')!.innerHTML = failed.map((f) => `<li class="fail">${f.name}: ${f.error ?? `max err ${f.maxErr}`}</li>`).join('');
  return { results };
}

(window as unknown as { __sweep: unknown }).__sweep = await main().catch((e: Error) => ({ results: [], error: e.message }));
