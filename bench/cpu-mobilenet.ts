// CPU-path benchmark in Node (one thread, or --threads=N on the worker_threads team of thread-team-node.ts): a full-size model end to end (median of N runs) and per layer kind
// (summed over nodes from runCpu's onNode hook, median run), plus the dsc / conv3x3 separable-vs-regular
// speedup of bench/models. Run through Vite's SSR loader (TypeScript, no build step):
//
//   node --input-type=module -e "import('vite').then(async({createServer})=>{const s=await createServer({server:{middlewareMode:true,hmr:false,ws:false},appType:'custom',logLevel:'warn',optimizeDeps:{noDiscovery:true}});try{await(await s.ssrLoadModule('/bench/cpu-mobilenet.ts')).main(process.argv.slice(1))}finally{await s.close()}})" -- [model.onnx] [runs] [--reference] [--js] [--threads=N] [--no-bands] [--bands-1t] [--band-kib=N] [--max-redone=F] [--ab]
//
// The default model is zoo-full/mobilenet_v2/model.onnx (made by scripts/make_zoo.py --full; gitignored), or
// $SEPCONV_ZOO/mobilenet_v2/model.onnx. End-to-end times are plain runCpu runs (fused conv chains, recycled
// buffers); the per-kind rows come from separate runs with an onNode hook, which runs every node on its own.
import { readFileSync } from 'node:fs';
import { runCpu } from '../src/cpu/run.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { loadOnnx } from '../src/onnx/import.js';
import { layerType } from '../src/summary/summary.js';
import { sizeOf, type Tensor } from '../src/tensor.js';
import { wasm } from '../src/cpu/wasm-kernels.js';
import { leaseTeam } from '../src/cpu/thread-team-node.js';
import { installChainBands } from '../src/cpu/conv-fast.js';
import type { ChainOptions, KernelOptions } from '../src/cpu/kernel-options.js';
import { BAND_BYTES, chainBands } from '../src/cpu/chain-bands.js';

const kindOf = (rn: ResolvedGraph['nodes'][number]): string => {
  const t = layerType(rn);
  if (t.startsWith('Conv (depthwise')) return t.replace('Conv (', '').replace(')', '');
  if (t === 'Conv (pointwise)') return 'pointwise';
  return t;
};

/** The kernel options the flags below choose (--js, the band flags), passed to every run. */
const chain: ChainOptions = {};
const kernelOpts: KernelOptions = { chain };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function randomInput(shape: number[], seed = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function loadModel(path: string): { rg: ResolvedGraph; input: Tensor; inputName: string } {
  const g = loadOnnx(new Uint8Array(readFileSync(path)));
  const inp = g.inputs.find((i) => !g.initializers.has(i.name))!;
  const shape = inp.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const rg = optimize(resolve(g, { [inp.name]: shape })).graph;
  return { rg, input: { shape, data: randomInput(shape) }, inputName: inp.name };
}

interface RunStats {
  medianMs: number;
  minMs: number;
  byKind: Map<string, { count: number; ms: number; macs: number }>;
}

function bench(rg: ResolvedGraph, inputs: Record<string, Tensor>, runs: number, fast: boolean): RunStats {
  for (let i = 0; i < 2; i++) runCpu(rg, inputs, { ...kernelOpts, fast });
  const times: number[] = [];
  const perRun: number[][] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    runCpu(rg, inputs, { ...kernelOpts, fast });
    times.push(performance.now() - t0);
  }
  // per-node times from separate profiled runs (the hook itself costs a little)
  for (let r = 0; r < Math.max(3, Math.min(runs, 7)); r++) {
    const ms: number[] = [];
    runCpu(rg, inputs, { ...kernelOpts, fast, onNode: (i, _o, t) => (ms[i] = t) });
    perRun.push(ms);
  }
  const byKind = new Map<string, { count: number; ms: number; macs: number }>();
  rg.nodes.forEach((rn, i) => {
    const k = kindOf(rn);
    const e = byKind.get(k) ?? { count: 0, ms: 0, macs: 0 };
    e.count++;
    e.ms += median(perRun.map((p) => p[i]!));
    e.macs += rn.cost.macs;
    byKind.set(k, e);
  });
  return { medianMs: median(times), minMs: Math.min(...times), byKind };
}

function report(name: string, rg: ResolvedGraph, s: RunStats): void {
  const macs = rg.nodes.reduce((n, rn) => n + rn.cost.macs, 0);
  console.log(`${name} [${wasm() ? 'wasm SIMD' : 'JS'} kernels]: median ${s.medianMs.toFixed(1)} ms, min ${s.minMs.toFixed(1)} ms, ${(macs / 1e6).toFixed(1)} M MACs, ${((2 * macs) / s.medianMs / 1e6).toFixed(2)} GFLOP/s`);
  const rows = [...s.byKind.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [k, e] of rows)
    console.log(
      `  ${k.padEnd(22)} n=${String(e.count).padStart(3)} ${e.ms.toFixed(2).padStart(8)} ms  ${(e.macs / 1e6).toFixed(1).padStart(7)} M MACs` +
        (e.macs ? `  ${((2 * e.macs) / e.ms / 1e6).toFixed(2).padStart(6)} GFLOP/s` : ''),
    );
}

export async function main(argv: string[]): Promise<void> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const fast = !argv.includes('--reference');
  // --js: the plain JavaScript kernels (what engines without WebAssembly SIMD get)
  if (argv.includes('--js')) kernelOpts.wasm = false;
  const path = args[0] ?? (process.env.SEPCONV_ZOO ?? 'zoo-full') + '/mobilenet_v2/model.onnx';
  const runs = Number(args[1] ?? 15);
  // --no-bands: fused chains kernel by kernel (each split over the threads on its own) instead of over row bands
  // (installed here too: without a team, e.g. --threads=1, nothing else installs the band split)
  installChainBands(chainBands);
  if (argv.includes('--no-bands')) chain.bands = false;
  // --bands-1t: bands on one thread too (default: only on a team)
  if (argv.includes('--bands-1t')) chain.oneThread = true;
  const kib = argv.find((a) => a.startsWith('--band-kib='));
  if (kib) chain.bandBytes = Number(kib.slice(11)) << 10;
  const redone = argv.find((a) => a.startsWith('--max-redone='));
  if (redone) chain.maxRedone = Number(redone.slice(13));
  const threads = Number(argv.find((a) => a.startsWith('--threads='))?.slice(10) ?? 1);
  const { lease, why } = threads > 1 ? await leaseTeam(threads) : {};
  if (threads > 1 && !lease) throw new Error(`no thread team: ${why}`);
  try {
    if (argv.includes('--ab') && lease) {
      ab(path, runs, lease.run.bind(lease));
      return;
    }
    console.log(`threads: ${lease?.threads ?? 1}, chains ${chain.bands !== false ? `over bands of ${(chain.bandBytes ?? BAND_BYTES) >> 10} KiB` : 'kernel by kernel'}`);
    (lease ? lease.run.bind(lease) : (f: () => void) => f())(() => all(path, runs, fast));
  } finally {
    lease?.release();
  }
}

function all(path: string, runs: number, fast: boolean): void {
  const m = loadModel(path);
  report(path, m.rg, bench(m.rg, { [m.inputName]: m.input }, runs, fast));

  // separable-vs-regular: same input/output shapes, 7.6x fewer mult-adds
  const conv = loadModel('bench/models/conv3x3.onnx');
  const dsc = loadModel('bench/models/dsc.onnx');
  const sc = bench(conv.rg, { [conv.inputName]: conv.input }, runs, fast);
  const sd = bench(dsc.rg, { [dsc.inputName]: dsc.input }, runs, fast);
  report('conv3x3', conv.rg, sc);
  report('dsc', dsc.rg, sd);
  const macsC = conv.rg.nodes.reduce((n, rn) => n + rn.cost.macs, 0);
  const macsD = dsc.rg.nodes.reduce((n, rn) => n + rn.cost.macs, 0);
  const speedup = sc.medianMs / sd.medianMs;
  console.log(
    `separable speedup ${speedup.toFixed(2)}x vs mult-add ratio ${(macsC / macsD).toFixed(2)}x -> ${(speedup / (macsC / macsD)).toFixed(2)} of the ratio`,
  );
}

/**
 * --ab: 1 thread vs the team, chains over bands vs kernel by kernel, one run of each in turn (so the four see the
 * same machine load: on a shared machine only ratios within one round mean much), for each model.
 */
function ab(path: string, runs: number, onTeam: (f: () => void) => void): void {
  for (const file of [path, 'bench/models/conv3x3.onnx', 'bench/models/dsc.onnx']) {
    const m = loadModel(file);
    const inputs = { [m.inputName]: m.input };
    const configs = [
      ['1 thread, kernel by kernel', false, false],
      ['1 thread, bands', false, true],
      ['team, kernel by kernel', true, false],
      ['team, bands', true, true],
    ] as const;
    const times = configs.map(() => [] as number[]);
    chain.oneThread = true;
    // process CPU time (every thread): on a loaded machine less noisy than wall time for the one-thread pair
    const cpu = configs.map(() => [] as number[]);
    const stats = { banded: 0 };
    for (let r = -2; r < runs; r++)
      configs.forEach(([, team, bands], c) => {
        const opts: KernelOptions = { ...kernelOpts, chain: { ...chain, bands, stats } };
        const t0 = performance.now();
        const u0 = process.cpuUsage();
        if (team) onTeam(() => runCpu(m.rg, inputs, opts));
        else runCpu(m.rg, inputs, opts);
        const u = process.cpuUsage(u0);
        if (r >= 0) times[c]!.push(performance.now() - t0);
        if (r >= 0) cpu[c]!.push((u.user + u.system) / 1000);
      });
    console.log(`${file} (${stats.banded / (runs + 2) / 2} chain images over bands per banded run, from both thread counts)`);
    console.log(`${file}: ${configs.map(([name], c) => `${name} median ${median(times[c]!).toFixed(1)} / min ${Math.min(...times[c]!).toFixed(1)} ms (CPU median ${median(cpu[c]!).toFixed(1)} ms)`).join('; ')}`);
  }
}
