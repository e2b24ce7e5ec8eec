// The real-GPU check's Node half (npm run bench:device, scripts/bench-device.mjs): on whatever adapter Dawn
// finds, the hardware-path kernels' GFLOP/s and GB/s (bench/kernels.ts --hw-only) and MobileNetV2 end to end
// through load() (time to first result and steady latency), with the dw -> pw fusion load() picks for the
// adapter. Loaded through Vite for the `?raw` WGSL imports.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requestGpu } from '../src/gpu/device.js';
import { load } from '../src/model.js';
import { FUSED_DWPW } from '../src/ops/dwpw.js';
import { sizeOf } from '../src/tensor.js';
import { main as kernels } from './kernels.js';

const ROOT = process.cwd();

/** bench/models' MobileNetV2 1.0 224² when generated (scripts/make_bench_models.py), else the committed 0.35 example. */
function mobilenet(): { path: string; note: string } {
  const manifest = join(ROOT, 'bench', 'models', 'manifest.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')).workloads?.mobilenet_v2;
    if (m && existsSync(join(ROOT, 'bench', 'models', m.model))) return { path: join(ROOT, 'bench', 'models', m.model), note: 'MobileNetV2 1.0, 224x224 (bench/models)' };
  }
  return { path: join(ROOT, 'examples', 'mobilenet_v2_035.onnx'), note: 'examples/mobilenet_v2_035.onnx (width 0.35; run npm run bench once to generate MobileNetV2 1.0)' };
}

export async function main(args: string[] = []): Promise<void> {
  const budgetS = Number(args.find((a) => a.startsWith('--budget-s='))?.slice(11) ?? 150);
  const t0 = performance.now();
  const gpu = await requestGpu();
  if (!gpu) {
    console.log('node: no WebGPU adapter through Dawn (VK_ICD_FILENAMES=' + (process.env.VK_ICD_FILENAMES ?? 'unset') + ')');
    return;
  }
  const i = gpu.info;
  console.log(`node adapter: ${[i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ')}${i.isSoftware ? ' (software)' : ''}; features: ${i.features.join(', ')}`);
  gpu.device.destroy();
  console.log('\nhardware-path kernels (tiled, workgroup memory), MobileNetV2 layer shapes:');
  await kernels(['--quick', '--reps=3', '--hw-only', `--budget-s=${Math.round(budgetS * 0.6)}`]);
  const mv = mobilenet();
  const g2 = (await requestGpu())!;
  try {
    const bytes = new Uint8Array(readFileSync(mv.path));
    const ts = performance.now();
    const model = await load(bytes, { backend: 'webgpu', gpu: g2 });
    const loadMs = performance.now() - ts;
    const [name, shape] = [...model.graph.inputShapes][0]!;
    const x = new Float32Array(sizeOf(shape)).map((_, k) => ((k * 7919) % 997) / 997 - 0.5);
    await model.run({ [name]: x });
    const ttfr = performance.now() - ts;
    const times: number[] = [];
    const stop = t0 + budgetS * 1000;
    while (times.length < 3 || (times.length < 20 && performance.now() + times[times.length - 1]! < stop)) {
      const t = performance.now();
      await model.run({ [name]: x });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const fused = model.graph.nodes.filter((n) => n.node.op === FUSED_DWPW).length;
    console.log(`\nMobileNetV2 (${mv.note}) on ${model.backend}: load ${loadMs.toFixed(0)} ms, time to first result ${ttfr.toFixed(0)} ms, ` +
      `median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms over ${times.length} runs; ${fused} fused dw->pw nodes`);
    model.dispose();
  } finally {
    g2.device.destroy();
  }
}
