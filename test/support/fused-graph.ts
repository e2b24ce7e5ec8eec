// A graph rewritten for the GPU, run on WebGPU with its first-call kernels and again once the upgrades are in
// (GpuExecutor.upgraded), against the CPU engine's reference kernels on the graph before the rewrite.
import { expect } from 'vitest';
import { runCpu } from '../../src/cpu/run.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { GpuExecutor } from '../../src/gpu/executor.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import type { ResolvedGraph } from '../../src/graph/resolve.js';
import type { Tensor } from '../../src/tensor.js';
import { compareTensors } from './fixtures.js';

/** Every output in `outputs` within 1e-4 abs + 1e-4 rel of the unfused graph's CPU answer; `check` sees the executor first. */
export async function expectFusedMatchesCpu(
  gpu: GpuContext, fused: ResolvedGraph, unfused: ResolvedGraph, inputs: Record<string, Tensor>, outputs: readonly string[],
  check?: (ex: GpuExecutor) => void,
): Promise<void> {
  const want = runCpu(unfused, inputs, { fast: false });
  const ex = await GpuExecutor.compile(gpu, fused, new PipelineCache(gpu.device));
  try {
    check?.(ex);
    for (const when of ['first', 'upgraded']) {
      if (when === 'upgraded') await ex.upgraded();
      const got = await ex.run(inputs);
      for (const k of outputs) {
        const c = compareTensors(got.get(k)!, want.get(k)!, 1e-4, 1e-4);
        expect(c.ok, `${when} ${k}: max abs ${c.maxAbsErr}`).toBe(true);
      }
    }
  } finally {
    ex.dispose();
  }
}
