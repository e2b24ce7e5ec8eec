// Node: the pooling, reduction and Resize layers of MediaPipe's face detectors (short range 128², full range 192²)
// and selfie segmenters (256², landscape 144×256), as the loaded models resolve them, on the new CPU engine
// (c/pool.c, reduce.c, resize.c: NHWC, one thread, the tensors already in the arena) and on the old engine
// (runCpu on a one-node graph: its JavaScript kernels for these ops, NCHW, its copies included). Median µs per
// call over batches of calls, the two engines interleaved (the machine is shared); GB/s counts the input and
// output bytes. Then each whole model on
// the new engine (ArenaProgram, one thread) with these kernels and with these ops left to their JavaScript
// reference kernels, both checked against the reference run (worst |Δ| / max(1, |ref|)).
//
//   node --experimental-wasm-relaxed-simd scripts/vite-run.mjs /bench/arena-pool.ts [samples=11]
// (Node 20 validates relaxed SIMD only behind that flag; without it each madd is an f32x4.mul and an f32x4.add.)
import { readFileSync } from 'node:fs';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { runCpu } from '../src/cpu/run.js';
import { relaxedSimdValidates } from '../src/cpu/simd-probe.js';
import type { ResolvedGraph } from '../src/graph/resolve.js';
import { load } from '../src/node.js';
import { arenaRunner, runCpuRunner, timeInterleaved } from './support/arena-node.js';
import { sizeOf } from '../src/tensor.js';

const MODELS = [
  'face_detection/face_detection_short_range.tflite',
  'face_detection/face_detection_full_range.tflite',
  'selfie_segmentation/selfie_segmentation.tflite',
  'selfie_segmentation/selfie_segmentation_landscape.tflite',
];
const OPS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'Resize']);

const filled = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);




export async function main(argv: string[]): Promise<void> {
  const samples = Number(argv[0] ?? 11);
  console.log(`madd: ${relaxedSimdValidates() ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add (no relaxed SIMD here)'}`);
  for (const file of MODELS) {
    const model = await load(new Uint8Array(readFileSync(`node_modules/@mediapipe/${file}`)), { backend: 'cpu', worker: false, numThreads: 1 });
    const rg = model.graph as unknown as ResolvedGraph;
    console.log(`\n${file.split('/')[1]}`);
    console.log('op            in (NCHW)        out (NCHW)       new µs (min)      GB/s    old µs (min)        old/new');
    let sumNew = 0, sumOld = 0, minNew = 0, minOld = 0;
    for (const rn of rg.nodes) {
      if (!OPS.has(rn.node.op)) continue;
      const [n, o] = timeInterleaved([arenaRunner(rg, rn), runCpuRunner(rg, rn)], samples);
      const tNew = n!.med, tOld = o!.med;
      sumNew += tNew;
      sumOld += tOld;
      minNew += n!.min;
      minOld += o!.min;
      const bytes = 4 * (sizeOf(rn.inputShapes[0]!) + sizeOf(rn.outputShapes[0]!));
      console.log(
        `${rn.node.op.padEnd(13)} ${rn.inputShapes[0]!.join('x').padEnd(16)} ${rn.outputShapes[0]!.join('x').padEnd(16)} ` +
          `${tNew.toFixed(1).padStart(7)} (${n!.min.toFixed(1).padStart(6)}) ${(bytes / tNew / 1e3).toFixed(2).padStart(6)}  ` +
          `${tOld.toFixed(1).padStart(8)} (${o!.min.toFixed(1).padStart(7)})  ${(tOld / tNew).toFixed(2).padStart(7)}`,
      );
    }
    console.log(`sum of medians: new ${sumNew.toFixed(0)} µs, old ${sumOld.toFixed(0)} µs (old/new ${(sumOld / sumNew).toFixed(2)}); sum of minima: new ${minNew.toFixed(0)}, old ${minOld.toFixed(0)} (${(minOld / minNew).toFixed(2)})`);
    wholeModel(rg, samples);
    model.dispose();
  }
}

/** The whole model on ArenaProgram with and without these ops' kernels: median ms and worst error vs the reference. */
function wholeModel(rg: ResolvedGraph, samples: number): void {
  const without = new Map([...ARENA_KERNELS].filter(([op]) => !OPS.has(op) && op !== 'ReduceMean'));
  const programs = [new ArenaProgram(rg), new ArenaProgram(rg, { kernels: without })];
  const [name, shape] = rg.inputShapes.entries().next().value as [string, number[]];
  const x = filled(sizeOf(shape));
  const want = runCpu(rg, { [name]: { shape, data: x } }, { fast: false });
  const worst = programs.map((p) => {
    let w = 0;
    for (const [k, t] of p.run({ [name]: x })) {
      const r = want.get(k)!;
      for (let i = 0; i < t.data.length; i++) w = Math.max(w, Math.abs(t.data[i]! - r.data[i]!) / Math.max(1, Math.abs(r.data[i]!)));
    }
    return w;
  });
  const [a, b] = timeInterleaved(programs.map((p) => () => void p.run({ [name]: x })), samples);
  console.log(
    `whole model, one thread: ${(a!.med / 1e3).toFixed(2)} ms (min ${(a!.min / 1e3).toFixed(2)}) with these kernels, ` +
      `${(b!.med / 1e3).toFixed(2)} ms (min ${(b!.min / 1e3).toFixed(2)}) with their JS references; worst error vs the reference ${worst.map((w) => w.toExponential(1)).join(' / ')}; ` +
      `JS fallbacks ${JSON.stringify(programs[0]!.stats.fallbacks)}`,
  );
}
