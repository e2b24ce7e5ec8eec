// Node: every depthwise Conv of MobileNetV2 224² (bench/models), MediaPipe's face detector (short range, 128²) and
// selfie segmenter (256²), as the
// loaded models resolve them (fused activation included), on the CPU engine's dw_conv (NHWC, one thread, the
// tensors already in the arena) and through runCpu on a one-node graph (NCHW, its copies included): the old wasm
// engine until its removal (main 56a63be), since then the JavaScript kernels.
// Median and minimum µs per call over batches of calls (the two engines interleaved); GFLOP/s and GB/s of the median,
// GFLOP/s counting 2 per multiply-add, GB/s the input, output and weight bytes.
//
//   node scripts/vite-run.mjs /bench/arena-dwconv.ts [samples=11]
// (Node 20 has no relaxed SIMD: every madd runs as f32x4.mul then f32x4.add; Chromium runs f32x4.relaxed_madd.)
import { existsSync, readFileSync } from 'node:fs';
import { depthwiseConv } from '../src/cpu/arena/ops/conv-depthwise.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../src/cpu/arena/module.js';
import type { Slot } from '../src/cpu/arena/types.js';
import type { ResolvedGraph, ResolvedNode } from '../src/graph/resolve.js';
import { load } from '../src/node.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { runCpuRunner, timeInterleaved } from './support/arena-node.js';
import { sizeOf, type Tensor } from '../src/tensor.js';

const MODELS = [
  'bench/models/mobilenet_v2.onnx',
  'node_modules/@mediapipe/face_detection/face_detection_short_range.tflite',
  'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite',
];



/** The NCHW index of channel ch of pixel i (counted over all images) of a tensor with c channels and hw pixels an image. */
const nchwAt = (i: number, ch: number, c: number, hw: number) => (Math.floor(i / hw) * c + ch) * hw + (i % hw);

/** max |a - b| / (1 + |b|), a NHWC and b NCHW of logical shape [n, c, h, w]. */
function maxDiff(a: Float32Array, b: Float32Array, [n, c, h, w]: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < n! * h! * w!; i++)
    for (let ch = 0; ch < c!; ch++) {
      const want = b[nchwAt(i, ch, c!, h! * w!)]!;
      m = Math.max(m, Math.abs(a[i * c! + ch]! - want) / (1 + Math.abs(want)));
    }
  return m;
}

const filled = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);

/** The node on the new engine: one dw_conv call over all rows, on one thread; out() reads its output (NHWC). */
function arenaCall(rn: ResolvedNode, constants: ReadonlyMap<string, unknown>): { run: () => void; out: () => Float32Array } {
  const mem = kernelMemory(64 << 20, false);
  const ex = instantiateKernels(kernelModule(false), mem);
  let top = kernelModule(false).heapBase;
  const take = (floats: number) => ((top += ((floats * 4 + 31) & ~15)), top - ((floats * 4 + 31) & ~15));
  const x: Slot = { offset: take(sizeOf(rn.inputShapes[0]!)), shape: rn.inputShapes[0]!, layout: 'nhwc' };
  const [n, c, h, w] = x.shape as number[];
  const nchw = filled(sizeOf(x.shape)), nhwc = new Float32Array(nchw.length);
  for (let i = 0; i < n! * h! * w!; i++)
    for (let ch = 0; ch < c!; ch++) nhwc[i * c! + ch] = nchw[nchwAt(i, ch, c!, h! * w!)]!;
  new Float32Array(mem.buffer).set(nhwc, x.offset / 4);
  const y: Slot = { offset: take(sizeOf(rn.outputShapes[0]!)), shape: rn.outputShapes[0]!, layout: 'nhwc' };
  const calls = depthwiseConv.build({
    node: rn,
    input: (i) => (i === 0 ? x : undefined),
    output: () => y,
    constant: (i) => (constants.get(rn.node.inputs[i]!) as Tensor | undefined)?.data,
    weights: (data) => {
      const at = take(data.length);
      new Float32Array(mem.buffer).set(data, at / 4);
      return at;
    },
  });
  return {
    run: () => {
      for (const c of calls) ex[c.fn]!(...c.args, 0, c.tiles!);
    },
    out: () => new Float32Array(mem.buffer, y.offset, sizeOf(y.shape)).slice(),
  };
}


export async function main(argv: string[]): Promise<void> {
  const samples = Number(argv[0] ?? 11);
  console.log(`madd: ${kernelModule(false).relaxed ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add (no relaxed SIMD here)'}`);
  for (const file of MODELS) {
    if (!existsSync(file)) {
      console.log(`\n${file}: missing (bench/models: /usr/bin/python3 scripts/make_bench_models.py mobilenet_v2)`);
      continue;
    }
    const model = await load(new Uint8Array(readFileSync(file)), { backend: 'cpu', worker: false, numThreads: 1 });
    const rg = model.graph as unknown as ResolvedGraph;
    console.log(`\n${file.split('/').pop()}`);
    console.log('layer                 in (NCHW)         k  s  act        new µs med / min  GFLOP/s  GB/s    old µs med / min  GFLOP/s  old/new med / min');
    let sumNew = 0, sumOld = 0, minNew = 0, minOld = 0, worst = 0;
    for (const rn of rg.nodes) {
      const a = rn.attrs as ConvAttrs;
      if (rn.node.op !== 'Conv' || !depthwiseConv.layouts(rn, [rn.inputShapes[0] ? 'nhwc' : undefined])) continue;
      const fresh = arenaCall(rn, rg.constants), old = runCpuRunner(rg, rn, filled);
      const [n, o] = timeInterleaved([fresh.run, old], samples);
      const err = maxDiff(fresh.out(), old(), rn.outputShapes[0]!);
      worst = Math.max(worst, err);
      const tNew = n!.med, tOld = o!.med;
      minNew += n!.min;
      minOld += o!.min;
      sumNew += tNew;
      sumOld += tOld;
      const y = rn.outputShapes[0]!;
      const flops = 2 * sizeOf(y) * a.kernel[0] * a.kernel[1];
      const bytes = 4 * (sizeOf(rn.inputShapes[0]!) + sizeOf(y) + sizeOf(rn.inputShapes[1]!) + y[1]!);
      console.log(
        `${rn.node.name.replace('::Conv', '').replace(/^\/features\/(features\.\d+)\/.*$/, '$1').padEnd(21)} ${rn.inputShapes[0]!.join('x').padEnd(16)} ${a.kernel[0]}  ${a.strides[0]}  ${a.act.kind.padEnd(9)} ` +
          `${tNew.toFixed(1).padStart(7)} / ${n!.min.toFixed(1).padStart(6)} ${(flops / tNew / 1e3).toFixed(2).padStart(7)} ${(bytes / tNew / 1e3).toFixed(2).padStart(6)}  ` +
          `${tOld.toFixed(1).padStart(7)} / ${o!.min.toFixed(1).padStart(6)} ${(flops / tOld / 1e3).toFixed(2).padStart(7)}  ` +
          `${(tOld / tNew).toFixed(2).padStart(6)} / ${(o!.min / n!.min).toFixed(2)}`,
      );
    }
    console.log(`largest |new - old| / (1 + |old|): ${worst.toExponential(1)}`);
    console.log(`sum of medians: new ${sumNew.toFixed(0)} µs, old ${sumOld.toFixed(0)} µs (old/new ${(sumOld / sumNew).toFixed(2)}); sum of minima: new ${minNew.toFixed(0)}, old ${minOld.toFixed(0)} (${(minOld / minNew).toFixed(2)})`);
    model.dispose();
  }
}
