// The CPU engine's elementwise kernels (c/elementwise.c) on the Add, Mul and Sigmoid nodes of MediaPipe's selfie
// segmenter (256²) and the Add/Relu of its face detector, against the old engine (runCpu on a one-node graph), one
// thread. Prints per distinct node shape the median µs and GB/s (bytes read + written) of both, and the arena's
// minimum and CPU µs per call (steadier on a loaded machine). 4-D runtime inputs sit in the arena NHWC.
//   node scripts/vite-run.mjs /bench/arena-elementwise.ts [runs=201]
import { readFileSync } from 'node:fs';
import { load } from '../src/node.js';
import type { ResolvedGraph } from '../src/graph/resolve.js';
import { sizeOf } from '../src/tensor.js';
import { arenaRunner, runCpuRunner as oldRunner, timeIt } from './support/arena-node.js';

const MODELS = ['selfie_segmentation/selfie_segmentation.tflite', 'face_detection/face_detection_short_range.tflite'];
const OPS = new Set(['Add', 'Mul', 'Sigmoid', 'Relu']);

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[0] ?? 201);
  for (const file of MODELS) {
    const model = await load(new Uint8Array(readFileSync(`node_modules/@mediapipe/${file}`)), { backend: 'cpu', numThreads: 1, worker: false });
    const rg = (model as unknown as { inner: { graph: ResolvedGraph } }).inner.graph;
    console.log(file.split('/')[1]);
    const seen = new Set<string>();
    let sumNew = 0;
    let sumOld = 0;
    for (const rn of rg.nodes) {
      if (!OPS.has(rn.node.op)) continue;
      const shape = `${rn.node.op} ${rn.inputShapes.map((s) => s.join('x')).join(' · ')}`;
      const bytes = 4 * [...rn.inputShapes, ...rn.outputShapes].reduce((n, s) => n + sizeOf(s), 0);
      const tNew = timeIt(runs, arenaRunner(rg, rn));
      const tOld = timeIt(runs, oldRunner(rg, rn));
      sumNew += tNew.med;
      sumOld += tOld.med;
      if (seen.has(shape)) continue;
      seen.add(shape);
      console.log(`  ${shape.padEnd(34)} new ${tNew.med.toFixed(1).padStart(7)} µs ${(bytes / tNew.med / 1e3).toFixed(2).padStart(6)} GB/s   old ${tOld.med.toFixed(1).padStart(7)} µs ${(bytes / tOld.med / 1e3).toFixed(2).padStart(6)} GB/s   old/new ${(tOld.med / tNew.med).toFixed(2).padStart(5)}   (new min ${tNew.min.toFixed(1)} CPU ${tNew.cpu.toFixed(1)} µs)`);
    }
    console.log(`  all such nodes of the model: new ${sumNew.toFixed(0)} µs, old ${sumOld.toFixed(0)} µs`);
    model.dispose();
  }
}
