// Runs the shared seeded Conv sweep (test/support/conv-sweep.ts) in the browser: each config on WebGPU via the
// same single-node runner as the Node test, against Conv.reference; results are exposed as window.__sweep.
import { requestGpu } from '../../src/gpu/device.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../../src/gpu/dispatch-node.js';
import { Conv, type ConvAttrs } from '../../src/ops/conv.js';
import type { Tensor } from '../../src/tensor.js';
import { build, compare, CONFIGS } from '../support/conv-sweep.js';

export interface SweepResult {
  name: string;
  maxErr: number;
  /** First element outside the tolerance, or -1. */
  bad: number;
  error?: string;
}

async function main(): Promise<{ results: SweepResult[]; error?: string }> {
  const gpu = await requestGpu();
  if (!gpu) return { results: [], error: 'no WebGPU adapter' };
  const hw = { ...gpu, info: { ...gpu.info, isSoftware: false } };
  const sw = { ...gpu, info: { ...gpu.info, isSoftware: true } };
  const pipelines = new PipelineCache(gpu.device);
  const status = document.getElementById('status')!;
  const results: SweepResult[] = [];
  for (const cfg of CONFIGS) {
    try {
      const { rn, inputs, constants } = build(cfg);
      const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
      const [got] = await runNodeOnGpu(cfg.software ? sw : hw, rn, inputs, constants, pipelines);
      results.push({ name: cfg.name, ...compare(got!.data, want.data) });
    } catch (e) {
      results.push({ name: cfg.name, maxErr: NaN, bad: 0, error: (e as Error).message });
    }
    status.textContent = `${results.length} / ${CONFIGS.length}`;
  }
  const failed = results.filter((r) => r.bad >= 0);
  status.textContent = `${results.length} configs, ${failed.length} failed, ${pipelines.size} pipelines`;
  document.getElementById('failures')!.innerHTML = failed.map((f) => `<li class="fail">${f.name}: ${f.error ?? `max err ${f.maxErr}`}</li>`).join('');
  return { results };
}

(window as unknown as { __sweep: unknown }).__sweep = await main().catch((e: Error) => ({ results: [], error: e.message }));
