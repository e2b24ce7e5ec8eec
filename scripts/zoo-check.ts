// Runs the torchvision mobile zoo (scripts/make_zoo.py) on the CPU and on WebGPU (Node, Dawn) and prints, per
// model: params, MACs, max |logit − PyTorch| per backend, whether the top-5 classes match PyTorch's, the CPU
// time (median of --runs runs), the GPU compile time and the GPU time (median of --runs runs after one warm-up).
//
// The full-size models (1x3x224x224, 1000 classes) are too big to commit; make them first, then build and run:
//
//   /usr/bin/python3 scripts/make_zoo.py --full            # writes zoo-full/ (gitignored)
//   npm run zoo                                            # = the two commands below
//   vite build --config vite.cli.config.ts --ssr scripts/zoo-check.ts --outDir dist/zoo-check --logLevel warn
//   node dist/zoo-check/cli.js [dir=zoo-full] [--runs 3] [--models a,b] [--no-gpu] [--no-cpu] [--validate]
//                              [--json out.json]
//
// `dir` may also be fixtures/zoo (the committed reduced variants). --validate runs src/validate.ts on a model
// whose GPU output is off and prints the failing layers (node, op, shape, worst element).
// Exits 1 when any model is beyond its tolerance or its top-5 differs, 2 on a usage error.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { dawnGpu } from '../src/gpu/dawn.js';
import { requestGpu, setGpuSource, type GpuContext } from '../src/gpu/device.js';
import type { Graph } from '../src/graph/ir.js';
import { load, type Model } from '../src/model.js';
import { readNpy } from '../src/io/npy.js';
import { loadOnnx } from '../src/onnx/import.js';
import type { Tensor } from '../src/tensor.js';
import { formatValidation, validate } from '../src/validate.js';

interface ZooEntry {
  name: string;
  constructor: string;
  input_shape: number[];
  output_shape: number[];
  params: number;
  macs: number;
  atol: number;
  top5: number[];
  top5_gap: number;
}

interface Options {
  dir: string;
  runs: number;
  models: string[] | null;
  cpu: boolean;
  gpu: boolean;
  validate: boolean;
  json: string | null;
}

function usage(msg: string): never {
  console.error(`zoo-check: ${msg}`);
  console.error('usage: node dist/zoo-check/cli.js [dir=zoo-full] [--runs N] [--models a,b] [--no-gpu] [--no-cpu] [--validate] [--json out.json]');
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { dir: 'zoo-full', runs: 3, models: null, cpu: true, gpu: true, validate: false, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--runs') {
      o.runs = Number(next());
      if (!Number.isInteger(o.runs) || o.runs < 1) usage('--runs must be a positive integer');
    } else if (a === '--models') o.models = next().split(',').filter(Boolean);
    else if (a === '--no-gpu') o.gpu = false;
    else if (a === '--no-cpu') o.cpu = false;
    else if (a === '--validate') o.validate = true;
    else if (a === '--json') o.json = next();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.dir = a;
  }
  return o;
}

function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function topK(data: Float32Array, k: number): number[] {
  return [...data.keys()].sort((a, b) => data[b]! - data[a]! || a - b).slice(0, k);
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.data.length !== b.data.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

interface BackendResult {
  maxAbs: number | null;
  top5: number[];
  top5Match: boolean;
  ok: boolean;
  /** Median of the timed runs, ms. */
  ms: number | null;
  runsMs: number[];
  compileMs?: number;
  error?: string;
}

interface Result {
  name: string;
  params: number;
  macs: number;
  atol: number;
  expectedTop5: number[];
  cpu?: BackendResult;
  gpu?: BackendResult;
}

async function timeRuns(model: Model, inputName: string, input: Tensor, outName: string, runs: number, warmup: boolean) {
  if (warmup) await model.run({ [inputName]: input });
  const times: number[] = [];
  let out: Tensor | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    out = (await model.run({ [inputName]: input })).get(outName)!;
    times.push(performance.now() - t0);
  }
  return { out: out!, times };
}

function judge(out: Tensor, expected: Tensor, e: ZooEntry, times: number[]): BackendResult {
  const maxAbs = maxAbsDiff(out, expected);
  const top5 = topK(out.data, 5);
  const top5Match = top5.join(',') === e.top5.join(',');
  return { maxAbs, top5, top5Match, ok: maxAbs <= e.atol && top5Match, ms: median(times), runsMs: times };
}

function failed(error: unknown): BackendResult {
  return { maxAbs: null, top5: [], top5Match: false, ok: false, ms: null, runsMs: [], error: (error as Error).message };
}

function fmtCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`;
}

function table(results: Result[], o: Options): string {
  const head = ['model', 'params', 'MACs', 'CPU max|diff|', 'GPU max|diff|', 'top-5 CPU', 'top-5 GPU', `CPU ms (median ${o.runs})`, 'GPU compile ms', `GPU ms (median ${o.runs})`];
  const cell = (b: BackendResult | undefined, f: (b: BackendResult) => string) => (b ? (b.error ? 'ERROR' : f(b)) : 'skipped');
  const body = results.map((r) => [
    r.name,
    fmtCount(r.params),
    fmtCount(r.macs),
    cell(r.cpu, (b) => b.maxAbs!.toExponential(2)),
    cell(r.gpu, (b) => b.maxAbs!.toExponential(2)),
    cell(r.cpu, (b) => (b.top5Match ? 'yes' : `NO [${b.top5.join(',')}]`)),
    cell(r.gpu, (b) => (b.top5Match ? 'yes' : `NO [${b.top5.join(',')}]`)),
    cell(r.cpu, (b) => b.ms!.toFixed(0)),
    cell(r.gpu, (b) => b.compileMs!.toFixed(0)),
    cell(r.gpu, (b) => b.ms!.toFixed(0)),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = resolvePath(o.dir);
  const indexPath = join(dir, 'index.json');
  if (!existsSync(indexPath))
    usage(`${indexPath} is missing; make the full-size models with: /usr/bin/python3 scripts/make_zoo.py --full`);
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { kind: string; models: ZooEntry[] };
  const entries = o.models ? index.models.filter((e) => o.models!.includes(e.name)) : index.models;
  if (o.models) for (const n of o.models) if (!entries.some((e) => e.name === n)) usage(`no model "${n}" in ${indexPath}`);

  let gpu: GpuContext | undefined;
  if (o.gpu) {
    setGpuSource(dawnGpu);
    gpu = await requestGpu();
    if (!gpu) usage('no WebGPU adapter in Node (pass --no-gpu to run the CPU only)');
    gpu.device.addEventListener('uncapturederror', (ev) =>
      console.error(`[webgpu] uncaptured error: ${(ev as GPUUncapturedErrorEvent).error.message}`),
    );
    const i = gpu.info;
    console.log(`WebGPU adapter: ${[i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ')}${i.isSoftware ? ' (software)' : ''}`);
  }
  console.log(`${index.kind} zoo from ${dir}: ${entries.length} model(s), ${o.runs} timed run(s) per backend\n`);

  const results: Result[] = [];
  let allOk = true;
  for (const e of entries) {
    const graph: Graph = loadOnnx(readBytes(join(dir, e.name, 'model.onnx')));
    const inputName = graph.inputs[0]!.name;
    const outName = graph.outputs[0]!;
    const input = readNpy(readBytes(join(dir, e.name, 'input.npy')));
    const expected = readNpy(readBytes(join(dir, e.name, 'output.npy')));
    const r: Result = { name: e.name, params: e.params, macs: e.macs, atol: e.atol, expectedTop5: e.top5 };
    if (o.cpu) {
      try {
        const model = await load(graph, { backend: 'cpu' });
        const { out, times } = await timeRuns(model, inputName, input, outName, o.runs, false);
        r.cpu = judge(out, expected, e, times);
      } catch (err) {
        r.cpu = failed(err);
      }
      console.log(`${e.name} cpu: ${r.cpu.error ?? `max|diff| ${r.cpu.maxAbs!.toExponential(3)}, top-5 [${r.cpu.top5.join(',')}] ${r.cpu.top5Match ? '=' : '!='} PyTorch [${e.top5.join(',')}], runs ${r.cpu.runsMs.map((t) => t.toFixed(0)).join('/')} ms`}`);
    }
    if (gpu) {
      let model: Model | undefined;
      try {
        const t0 = performance.now();
        model = await load(graph, { backend: 'webgpu', gpu });
        const compileMs = performance.now() - t0;
        const { out, times } = await timeRuns(model, inputName, input, outName, o.runs, true);
        // GpuModel answers a failed GPU run on the CPU: such a result must not count as the GPU's
        if (model.backend !== 'webgpu') throw new Error(`the GPU run failed and fell back to the CPU: ${model.reason}`);
        r.gpu = { ...judge(out, expected, e, times), compileMs };
      } catch (err) {
        r.gpu = failed(err);
      } finally {
        model?.dispose();
      }
      console.log(`${e.name} gpu: ${r.gpu.error ?? `max|diff| ${r.gpu.maxAbs!.toExponential(3)}, top-5 [${r.gpu.top5.join(',')}] ${r.gpu.top5Match ? '=' : '!='} PyTorch, compile ${r.gpu.compileMs!.toFixed(0)} ms, runs ${r.gpu.runsMs.map((t) => t.toFixed(0)).join('/')} ms`}`);
      if (o.validate && !r.gpu.ok) {
        const report = await validate(graph, { inputs: { [inputName]: input }, gpu });
        console.log(formatValidation({ ...report, layers: report.layers.filter((l) => !l.pass) }));
      }
    }
    allOk &&= (r.cpu?.ok ?? true) && (r.gpu?.ok ?? true);
    results.push(r);
  }
  console.log(`\n${table(results, o)}\n`);
  console.log(allOk ? 'all models match PyTorch' : 'SOME MODELS DO NOT MATCH PyTorch');
  if (o.json) writeFileSync(o.json, JSON.stringify({ dir, adapter: gpu?.info, results }, null, 1));
  gpu?.device.destroy();
  process.exit(allOk ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
