// Per-node cost of the four MediaPipe .tflite models on the software adapter (SwiftShader through Node's Dawn),
// as process CPU time: SwiftShader runs a dispatch on this process's threads, so CPU time per dispatch holds on a
// loaded machine where GPU timestamps and wall time swing 2× between runs. Each node's dispatches alone, 4 per
// pass, the least of `reps` passes; after a first run has swapped in the upgraded pipelines (Dispatch.upgrade).
// Sums by kind (dw / pw / other convs by kernel and stride, other ops by name); ALL=1 lists every node.
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node scripts/vite-run.mjs /bench/sw-node-cpu.ts [reps] [model substrings...]
import { readFileSync } from 'node:fs';
import { GpuExecutor } from '../src/gpu/executor.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { fusePostFor } from '../src/gpu/fuse-post.js';
import { deviceLimits } from '../src/gpu/limits.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedNode } from '../src/graph/resolve.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { loadTflite } from '../src/tflite/import.js';
import { openKernelDevice } from '../test/support/kernel-device.js';

const MODELS = [
  'face_detection/face_detection_short_range', 'face_detection/face_detection_full_range',
  'selfie_segmentation/selfie_segmentation', 'selfie_segmentation/selfie_segmentation_landscape',
];
const PER_PASS = 4;

interface TimedStep {
  name: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}

function kindOf(rn: ResolvedNode): string {
  if (rn.node.op !== 'Conv') return rn.node.op;
  const a = rn.attrs as ConvAttrs;
  const [, , kh, kw] = rn.inputShapes[1]!;
  const c = rn.inputShapes[0]![1]!;
  const k = `${kh}x${kw}s${a.strides[0]}`;
  return a.group === c && c > 1 ? `dw${k}` : kh === 1 && kw === 1 ? 'pw' : `conv${k}`;
}

export async function main(args: string[]): Promise<void> {
  const reps = Number(args[0] ?? 5);
  const pick = args.slice(1);
  const found = await openKernelDevice();
  const gpu = { ...found, info: { ...found.info, isSoftware: true } };
  const { device } = gpu;
  const cpuMs = async (steps: readonly TimedStep[]): Promise<number> => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < PER_PASS; i++)
      for (const s of steps) {
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(...s.workgroups);
      }
    pass.end();
    const c0 = process.cpuUsage();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / PER_PASS;
  };
  for (const m of MODELS.filter((f) => !pick.length || pick.some((p) => f.includes(p)))) {
    const rg0 = optimize(resolve(loadTflite(readFileSync(`node_modules/@mediapipe/${m}.tflite`)))).graph;
    const rg = fusePostFor(fuseDwPwFor(rg0, { variant: 'register', limits: deviceLimits(gpu) }).graph, 'register');
    const exec = await GpuExecutor.compile(gpu, rg);
    const inputs = Object.fromEntries([...rg.inputShapes].map(([name, shape]) => [name, { shape, data: new Float32Array(shape.reduce((p, d) => p * d, 1)) }]));
    await exec.run(inputs);
    await exec.upgraded();
    // the executor's steps (private): each node's pipeline, bind group and grid as a run dispatches them
    const steps = (exec as unknown as { steps: readonly TimedStep[] }).steps;
    const nodes = new Map(rg.nodes.map((rn) => [rn.node.name, rn]));
    const per: { step: TimedStep; kind: string; ms: number }[] = [];
    for (const step of steps) {
      let best = Infinity;
      for (let r = 0; r <= reps; r++) best = Math.min(best, await cpuMs([step]));
      const rn = nodes.get(step.name);
      per.push({ step, kind: rn ? kindOf(rn) : step.name, ms: best });
    }
    const byKind = new Map<string, { n: number; ms: number }>();
    for (const p of per) {
      const e = byKind.get(p.kind) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += p.ms;
      byKind.set(p.kind, e);
    }
    console.log(`${m.split('/')[1]}: ${steps.length} dispatches, CPU ms per run: ${per.reduce((s, p) => s + p.ms, 0).toFixed(1)} (nodes alone)`);
    for (const [k, e] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${k.padEnd(14)} ${String(e.n).padStart(3)} ${e.ms.toFixed(2).padStart(8)}`);
    if (process.env.ALL) for (const p of per) console.log(`    ${p.ms.toFixed(3).padStart(8)} ${p.kind.padEnd(10)} ${p.step.name} ${JSON.stringify(nodes.get(p.step.name)?.inputShapes[0] ?? [])}`);
    exec.dispose();
  }
  device.destroy();
}
