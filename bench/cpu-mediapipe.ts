// Node: MediaPipe's four .tflite models on the CPU backend (caller's thread) at 1 and 2 threads, the two
// configurations interleaved run by run (the machine is shared: only medians and ranges of one sitting compare).
// Prints per model and thread count the median and range of end-to-end runs, then per op type the summed median
// per-layer time from model.profile (each node on its own: no fused chains).
//
//   node scripts/vite-run.mjs /bench/cpu-mediapipe.ts [runs=21] [--no-profile] [--only=substring]
import { readFileSync } from 'node:fs';
import { load, type Model } from '../src/node.js';
import type { ResolvedGraph } from '../src/graph/resolve.js';

const MODELS = [
  'face_detection/face_detection_short_range.tflite',
  'face_detection/face_detection_full_range.tflite',
  'selfie_segmentation/selfie_segmentation.tflite',
  'selfie_segmentation/selfie_segmentation_landscape.tflite',
];
const THREADS = [1, 2];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function inputsOf(m: Model): Record<string, Float32Array> {
  const r: Record<string, Float32Array> = {};
  for (const io of m.inputs) {
    const n = (io.shape as number[]).reduce((a, d) => a * (d > 0 ? d : 1), 1);
    r[io.name] = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);
  }
  return r;
}

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv.find((a) => !a.startsWith('--')) ?? 21);
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7);
  const profile = !argv.includes('--no-profile');
  // --layers: every layer's mult-adds and median 1- and 2-thread time (the data a threads threshold is set from)
  const layers = argv.includes('--layers');
  for (const file of MODELS.filter((f) => !only || f.includes(only))) {
    const bytes = new Uint8Array(readFileSync(`node_modules/@mediapipe/${file}`));
    const models = await Promise.all(THREADS.map((n) => load(bytes, { backend: 'cpu', numThreads: n, worker: false })));
    const x = inputsOf(models[0]!);
    const times = THREADS.map(() => [] as number[]);
    // 12 warm-up runs: the thread plan (src/cpu/thread-plan.ts) measures over the first 11
    for (let r = -12; r < runs; r++)
      for (let c = 0; c < models.length; c++) {
        const t0 = performance.now();
        await models[c]!.run(x);
        if (r >= 0) times[c]!.push(performance.now() - t0);
      }
    const name = file.split('/')[1]!.replace('.tflite', '');
    const row = THREADS.map((n, c) => {
      const t = times[c]!;
      return `${n} thr ${median(t).toFixed(2)} ms [${Math.min(...t).toFixed(2)}–${Math.max(...t).toFixed(2)}]`;
    });
    const plan = (models[1] as unknown as { inner: { lease?: { plans: { chosen?: boolean[] }[] } } }).inner.lease?.plans[0]!.chosen;
    const onTeam = plan ? ` (steps on the team: ${plan.filter(Boolean).length} of ${plan.filter((t) => t !== undefined).length})` : '';
    console.log(`${name.padEnd(36)} ${row.join('   ')}   2t/1t ${(median(times[1]!) / median(times[0]!)).toFixed(2)}${onTeam}`);
    if (profile) {
      const byOp = THREADS.map(() => new Map<string, number[]>());
      // profiled runs have their own thread plan: 11 runs to measure it, then 7 recorded
      for (let r = -11; r < 7; r++)
        for (let c = 0; c < models.length; c++) {
          const { profile: p } = await models[c]!.profile(x);
          if (r < 0) continue;
          const sum = new Map<string, number>();
          for (const l of p.layers) sum.set(l.op, (sum.get(l.op) ?? 0) + l.ms);
          for (const [op, ms] of sum) byOp[c]!.set(op, [...(byOp[c]!.get(op) ?? []), ms]);
        }
      const ops = [...byOp[0]!.keys()].sort((a, b) => median(byOp[0]!.get(b)!) - median(byOp[0]!.get(a)!));
      if (layers) {
        const rg = (models[0] as unknown as { inner: { graph: ResolvedGraph } }).inner.graph;
        const per = THREADS.map(() => new Map<string, number[]>());
        for (let r = 0; r < 9; r++)
          for (let c = 0; c < models.length; c++)
            for (const l of (await models[c]!.profile(x)).profile.layers) per[c]!.set(l.node, [...(per[c]!.get(l.node) ?? []), l.ms]);
        for (const rn of rg.nodes) {
          const [a, b] = per.map((p) => median(p.get(rn.node.name) ?? [0]));
          if (rn.cost.macs) console.log(`      ${rn.node.op.padEnd(14)} ${(rn.cost.macs / 1e3).toFixed(0).padStart(7)} k MACs  1t ${a!.toFixed(3)}  2t ${b!.toFixed(3)}  ${(b! / a!).toFixed(2)}`);
        }
      }
      for (const op of ops) console.log(`    ${op.padEnd(20)} ${THREADS.map((n, c) => `${n}t ${median(byOp[c]!.get(op) ?? [0]).toFixed(2).padStart(6)} ms`).join('  ')}`);
    }
    for (const m of models) m.dispose();
  }
}
