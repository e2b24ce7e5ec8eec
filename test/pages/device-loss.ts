// device.destroy() while runs are in flight, in a page: every run — before, during and after the loss — gets the
// right answer (the CPU answers once the device is gone), as test/device-loss.test.ts checks in Node.
import { GraphBuilder } from '../../src/builder.js';
import { runCpu } from '../../src/cpu/run.js';
import { requestGpu } from '../../src/gpu/device.js';
import { load } from '../../src/model.js';
import type { RunStats } from '../../src/run-stats.js';

export interface LossResult {
  backendBefore?: string;
  backendAfter?: string;
  reason?: string;
  stats?: RunStats;
  /** Whether the page's device had `subgroups` (then the pool and softmax ran their subgroup variant). */
  subgroups?: boolean;
  /** Largest |GPU-or-CPU answer − CPU reference| of each run, in call order. */
  maxErr: number[];
  error?: string;
}

/** An inverted-residual block (pointwise expand, depthwise 3×3, pointwise project, residual add), then pool and softmax. */
function block() {
  const b = new GraphBuilder('loss', { seed: 11 });
  const x = b.input('x', [1, 8, 19, 17]);
  const e = b.relu6(b.pointwiseConv2d(x, 8, 24));
  const d = b.relu6(b.depthwiseConv2d(e, 24, 3, { padding: 1 }));
  const y = b.add(x, b.pointwiseConv2d(d, 24, 8));
  b.output(y, 'y');
  // a row reduction too: its subgroup variant where the page's device has `subgroups`
  b.output(b.softmax(b.flatten(b.globalAvgPool(y))), 'p');
  return b.build();
}

export async function runDeviceLoss(): Promise<LossResult> {
  const maxErr: number[] = [];
  try {
    const gpu = await requestGpu();
    if (!gpu) return { maxErr, error: 'no WebGPU device' };
    const model = await load(block(), { backend: 'webgpu', gpu });
    const feed = (k: number) => ({ x: { shape: [1, 8, 19, 17], data: Float32Array.from({ length: 8 * 19 * 17 }, (_, i) => Math.sin(i * 0.7 + k)) } });
    const check = (k: number, out: Map<string, { data: Float32Array }>) => {
      const want = runCpu(model.graph, feed(k));
      let m = 0;
      for (const name of ['y', 'p']) {
        const ref = want.get(name)!.data;
        const got = out.get(name)!.data;
        if (got.length !== ref.length) m = Infinity;
        for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(got[i]! - ref[i]!));
      }
      maxErr[k] = Number.isNaN(m) ? Infinity : m;
    };
    check(0, await model.run(feed(0)));
    const backendBefore = model.backend;
    const inFlight = [1, 2, 3].map((k) => model.run(feed(k)).then((out) => check(k, out)));
    gpu.device.destroy();
    await Promise.all(inFlight);
    for (let k = 4; k < 7; k++) check(k, await model.run(feed(k)));
    const result = { subgroups: gpu.device.features.has('subgroups'), backendBefore, backendAfter: model.backend, reason: model.reason, stats: { ...model.stats }, maxErr };
    model.dispose();
    return result;
  } catch (e) {
    return { maxErr, error: String((e as Error)?.stack ?? e) };
  }
}
