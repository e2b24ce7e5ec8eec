// The CPU engine's regular convs (c/conv.c) and ConvTransposes (c/convt.c) on the layers of MediaPipe's face
// detector (short range) and selfie segmenter and a few other shapes, against runCpu on a one-node graph (the old
// wasm engine until its retirement, now the JavaScript kernels), one thread. Prints per layer median µs and GFLOP/s
// of both, and minimum and CPU µs. Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd;
// without it madd is a call to mul+add (about 15× slower).
//   node scripts/vite-run.mjs /bench/arena-conv.ts [runs=51] [--only=substring] [--new]  (--new: without runCpu)
//   node bench/run-arena-page.mjs conv [same arguments]   (headless Chromium, bench/arena-conv.html; CPU µs there
//                                                          is wall µs)
import { load } from '../src/index.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { generalConv } from '../src/cpu/arena/ops/conv-general.js';
import { convTranspose } from '../src/cpu/arena/ops/convtranspose.js';
import { kernelModuleAsync } from '../src/cpu/arena/module.js';
import { arenaRunner, runCpuRunner, timeIt } from './support/arena-node.js';
import { inNode, inPage, type LineBench } from './support/line-bench.js';

const MODELS = ['face_detection/face_detection_short_range.tflite', 'selfie_segmentation/selfie_segmentation.tflite'];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Layers of other networks' shapes (a one-node graph each), for the general path's throughput. */
const SYNTHETIC: { op: string; x: number[]; w: number[]; attrs: Record<string, unknown> }[] = [
  // the "conv3x3" workload (bench/models/conv3x3.onnx, its Relu left out)
  { op: 'Conv', x: [1, 32, 112, 112], w: [64, 32, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { op: 'Conv', x: [1, 32, 56, 56], w: [32, 32, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { op: 'Conv', x: [1, 16, 64, 64], w: [32, 16, 3, 3], attrs: { pads: [0, 0, 1, 1], strides: [2, 2] } },
  { op: 'Conv', x: [1, 64, 28, 28], w: [64, 32, 3, 3], attrs: { pads: [1, 1, 1, 1], group: 2 } },
  // MediaPipe's full-range face detector's first layer (192², TFLite SAME padding)
  { op: 'Conv', x: [1, 3, 192, 192], w: [32, 3, 3, 3], attrs: { pads: [0, 0, 1, 1], strides: [2, 2] } },
  { op: 'ConvTranspose', x: [1, 32, 32, 32], w: [32, 16, 2, 2], attrs: { strides: [2, 2] } },
  { op: 'ConvTranspose', x: [1, 32, 32, 32], w: [32, 16, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 0, 0] } },
];

function syntheticGraph(c: (typeof SYNTHETIC)[number]): ResolvedGraph {
  const rand = (n: number) => ({ shape: [n], data: Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.71) * 0.3) });
  const cout = c.op === 'Conv' ? c.w[0]! : c.w[1]! * ((c.attrs.group as number | undefined) ?? 1);
  const initializers = new Map([['w', { ...rand(size(c.w)), shape: c.w }], ['b', rand(cout)]]);
  return resolve({
    name: 'one', opset: 17, inputs: [{ name: 'x', shape: c.x }], outputs: ['y'], initializers,
    nodes: [{ name: 'n', op: c.op, inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: c.attrs }],
  } as never);
}

export const main = (argv: string[]) => inNode(bench, argv);
export const browserMain = (argv: string[]) => inPage(bench, argv);

const bench: LineBench = async (argv, read, log) => {
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7);
  const newOnly = argv.includes('--new');
  const runs = Number(argv.find((a) => !a.startsWith('--')) ?? 51);
  log(`relaxed SIMD (f32x4.relaxed_madd): ${(await kernelModuleAsync(false)).relaxed ? 'yes' : 'no: madd is a call (run node with --experimental-wasm-relaxed-simd)'}`);
  const graphs: [string, ResolvedGraph, () => void][] = [];
  for (const file of MODELS) {
    const model = await load(await read(`node_modules/@mediapipe/${file}`), { backend: 'cpu', numThreads: 1, worker: false });
    graphs.push([file.split('/')[1]!, model.graph as unknown as ResolvedGraph, () => model.dispose()]);
  }
  graphs.push(['other shapes', { nodes: SYNTHETIC.map((c) => syntheticGraph(c).nodes[0]!) } as ResolvedGraph, () => {}]);
  for (const [title, rg0, dispose] of graphs) {
    log(title);
    for (const [k, rn] of rg0.nodes.entries()) {
      const rg = title === 'other shapes' ? syntheticGraph(SYNTHETIC[k]!) : rg0;
      const op = rn.node.op;
      const a = rn.attrs as { group: number; kernel: [number, number] };
      const cin = rn.inputShapes[0]![1]!;
      if (op === 'Conv' && (a.group === cin || (a.group === 1 && a.kernel[0] * a.kernel[1] === 1))) continue;
      if (op !== 'Conv' && op !== 'ConvTranspose') continue;
      const flops = 2 * (op === 'Conv' ? size(rn.outputShapes[0]!) * (cin / a.group) * a.kernel[0] * a.kernel[1] : rn.cost.macs);
      const shape = `${rn.inputShapes[0]!.join('x')} w ${rn.inputShapes[1]!.join('x')} s${(rn.attrs as { strides: number[] }).strides.join('')}`;
      if (only && !shape.includes(only)) continue;
      const tNew = timeIt(runs, arenaRunner(rg, rn, op === 'Conv' ? generalConv : convTranspose));
      const tOld = newOnly ? { med: NaN, min: NaN, cpu: NaN } : timeIt(runs, runCpuRunner(rg, rn));
      const [usNew, usOld] = [tNew.med, tOld.med];
      const gf = (us: number) => `${us.toFixed(0).padStart(6)} µs ${(flops / us / 1e3).toFixed(2).padStart(6)} GFLOP/s`;
      const detail = `min ${tNew.min.toFixed(0)} / ${tOld.min.toFixed(0)} µs, CPU ${tNew.cpu.toFixed(0)} / ${tOld.cpu.toFixed(0)} µs`;
      log(`  ${op.padEnd(13)} ${shape.padEnd(32)} new ${gf(usNew)}   runCpu ${gf(usOld)}   ratio ${(usOld / usNew).toFixed(2)}   (${detail})`);
    }
    dispose();
  }
};
