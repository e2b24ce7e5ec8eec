// GPU cost of the standalone model ops (PRelu, LeakyRelu, Elu, Resize, ConvTranspose, DepthToSpace, ArgMax,
// reductions, Gather…) on a 256×256 feature map, next to a plain Relu on the same tensor (the memory-bound
// floor of an elementwise pass) and each op's fast CPU kernel. Prints figures; asserts nothing.
//
//   vite build --config vite.cli.config.ts --ssr bench/ops-profile.ts --outDir dist/ops-profile --logLevel warn
//   node dist/ops-profile/cli.js [--runs 7] [--channels 16] [--only ConvTranspose]
//
// GPU time: median over --runs of (queue a whole run in place, wait for onSubmittedWorkDone), after one
// warm-up, so it includes one submit's overhead; CPU time: median of the fast kernel alone.
import { requestGpu } from '../src/gpu/device.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { intTensor, type AttrValue, type Graph, type Value } from '../src/graph/ir.js';
import { resolve } from '../src/graph/resolve.js';
import { sizeOf, tensor, type Shape, type Tensor } from '../src/tensor.js';
import { cpuKernel } from '../src/cpu/kernels.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('--runs', 7);
const onlyAt = process.argv.indexOf('--only');
/** Case names containing this text (always with the Relu floor). */
const ONLY = onlyAt > 0 ? process.argv[onlyAt + 1]! : '';
const C = arg('--channels', 16);
const S = 256;

function rand(shape: Shape, seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  return { shape: [...shape], data };
}

interface Case {
  name: string;
  op: string;
  /** Runtime inputs (graph inputs) and load-time constants, in node input order; null = omitted. */
  inputs: ({ run: Tensor } | { const: Value } | null)[];
  attrs?: Record<string, AttrValue>;
}

const full: Shape = [1, C, S, S];
const half: Shape = [1, C, S / 2, S / 2];
const f1 = (v: number[]) => ({ const: tensor([v.length], v) });
const CASES: Case[] = [
  { name: 'Relu (floor)', op: 'Relu', inputs: [{ run: rand(full, 1) }] },
  { name: 'Abs', op: 'Abs', inputs: [{ run: rand(full, 1) }] },
  { name: 'LeakyRelu', op: 'LeakyRelu', inputs: [{ run: rand(full, 1) }], attrs: { alpha: 0.2 } },
  { name: 'Elu', op: 'Elu', inputs: [{ run: rand(full, 1) }] },
  { name: 'Tanh', op: 'Tanh', inputs: [{ run: rand(full, 1) }] },
  { name: 'PRelu [C,1,1]', op: 'PRelu', inputs: [{ run: rand(full, 1) }, { const: rand([C, 1, 1], 2) }] },
  { name: 'Max(x, y)', op: 'Max', inputs: [{ run: rand(full, 1) }, { run: rand(full, 2) }] },
  { name: 'Resize bilinear 128->256', op: 'Resize', inputs: [{ run: rand(half, 1) }, null, null, f1([1, C, S, S])], attrs: { mode: 'linear' } },
  { name: 'Resize nearest 128->256', op: 'Resize', inputs: [{ run: rand(half, 1) }, null, null, f1([1, C, S, S])], attrs: { mode: 'nearest' } },
  { name: 'ConvTranspose k2 s2 128->256', op: 'ConvTranspose', inputs: [{ run: rand(half, 1) }, { const: rand([C, C, 2, 2], 3) }, { const: rand([C], 4) }], attrs: { strides: [2, 2] } },
  { name: 'ConvTranspose k4 s2 p1 128->256', op: 'ConvTranspose', inputs: [{ run: rand(half, 1) }, { const: rand([C, C, 4, 4], 3) }], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'ConvT ref: Conv 1x1 C->4C 128²', op: 'Conv', inputs: [{ run: rand(half, 1) }, { const: rand([4 * C, C, 1, 1], 3) }, { const: rand([4 * C], 4) }] },
  { name: 'ConvT ref: Conv 3x3 C->C 256²', op: 'Conv', inputs: [{ run: rand(full, 1) }, { const: rand([C, C, 3, 3], 3) }], attrs: { pads: [1, 1, 1, 1] } },
  { name: 'DepthToSpace b2 128->256', op: 'DepthToSpace', inputs: [{ run: rand([1, 4 * C, S / 2, S / 2], 1) }], attrs: { blocksize: 2 } },
  { name: 'ReduceSum over C', op: 'ReduceSum', inputs: [{ run: rand(full, 1) }, { const: intTensor([1], [1]) }] },
  { name: 'ReduceMax over H,W', op: 'ReduceMax', inputs: [{ run: rand(full, 1) }, { const: intTensor([2], [2, 3]) }], attrs: { keepdims: 1 } },
  { name: 'ArgMax over C', op: 'ArgMax', inputs: [{ run: rand(full, 1) }], attrs: { axis: 1 } },
  { name: 'Gather C (runtime idx)', op: 'Gather', inputs: [{ run: rand(full, 1) }, { run: tensor([C / 2], Array.from({ length: C / 2 }, (_, i) => C - 1 - 2 * i)) }], attrs: { axis: 1 } },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter');
  console.log(`adapter: ${gpu.info.description || gpu.info.vendor} ${gpu.info.architecture}; feature map [1, ${C}, ${S}, ${S}]; ${RUNS} runs`);
  console.log('op'.padEnd(34) + 'GPU ms'.padStart(9) + '  ×Relu' + 'CPU ms'.padStart(9));
  let relu = 0;
  for (const c of CASES.filter((k) => k.op === 'Relu' || k.name.includes(ONLY))) {
    const graph: Graph = { name: c.name, inputs: [], outputs: ['y'], nodes: [], initializers: new Map(), opset: 18 };
    const feeds: Record<string, Tensor> = {};
    const names = c.inputs.map((v, i) => {
      if (v === null) return '';
      const n = `in${i}`;
      if ('run' in v) {
        graph.inputs.push({ name: n, shape: [...v.run.shape] });
        feeds[n] = v.run;
      } else graph.initializers.set(n, v.const);
      return n;
    });
    graph.nodes.push({ name: c.op, op: c.op, inputs: names, outputs: ['y'], attrs: c.attrs ?? {} });
    const rg = resolve(graph);
    const ex = await GpuExecutor.compile(gpu, rg);
    await ex.run(feeds);
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await ex.runInPlace(feeds);
      await gpu.device.queue.onSubmittedWorkDone();
      times.push(performance.now() - t0);
    }
    ex.dispose();
    const rn = rg.nodes[0]!;
    const vals = c.inputs.map((v) => (v === null ? tensor([0], []) : 'run' in v ? v.run : v.const));
    const kernel = cpuKernel(rn.def);
    const cpu: number[] = [];
    for (let r = 0; r < Math.min(RUNS, 3); r++) {
      const t0 = performance.now();
      kernel(vals, rn.attrs);
      cpu.push(performance.now() - t0);
    }
    const g = median(times);
    if (c.op === 'Relu') relu = g;
    console.log(c.name.padEnd(34) + g.toFixed(2).padStart(9) + (g / relu).toFixed(2).padStart(7) + median(cpu).toFixed(2).padStart(9));
  }
  gpu.device.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
