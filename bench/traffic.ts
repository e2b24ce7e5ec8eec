// The counted traffic model of the hardware (tiled) path: every kernel rebuilt with each global-memory access of
// a storage buffer wrapped in an atomicAdd to a counter buffer (@group(1)), run on whatever adapter Dawn gives
// (SwiftShader here) with the adapter presented as hardware, so the tiled kernels run. Per dispatch: the bytes
// the kernel loads from and stores to storage buffers, against the compulsory traffic (each bound input, weight
// and output buffer once). A load counts wherever a cache would catch it: this is the traffic a GPU's memory
// system is asked for, the upper bound of DRAM traffic. Uniforms (params) are not counted. Besides bytes, the
// counter counts access instructions (a vec4 load or store is one, a scalar one too): the transactions a GPU
// issues, which vec4 loads and stores cut by up to 4× for the same bytes.
// Run: npm run bench:device (prints it first), or node scripts/vite-run.mjs /bench/traffic.ts [--model=convs|mobilenet|face]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCpu } from '../src/cpu/run.js';
import { bindGroupFor, makeBuildCtx, refBuffer } from '../src/gpu/build-ctx.js';
import type { GpuContext } from '../src/gpu/device.js';
import { toDevice } from '../src/gpu/layout.js';
import { BufferTracker, READBACK, STORAGE } from '../src/gpu/memory.js';
import { PipelineCache, type Constants } from '../src/gpu/pipelines.js';
import type { BindingRef, GpuBuildCtx, GpuProgram } from '../src/gpu/program.js';
import type { ShaderDef } from '../src/gpu/shader.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { isInt, type Graph, type Value } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { GPU_PROGRAMS } from '../src/gpu/programs/registry.js';
import { sizeOf, type Tensor } from '../src/tensor.js';
import { halfActivations, halfTensors, storageResolver, type ActivationStorage } from '../src/gpu/act-storage.js';
import { elemBytes as elemBytesOf, type ElemStorage } from '../src/gpu/elem-storage.js';
import { packFloat16 } from '../src/gpu/precision.js';
import { loadTflite } from '../src/tflite/import.js';
import { GraphBuilder } from '../src/builder.js';
import { planConv2d, type Conv2dGeometry, type ConvTile } from '../src/gpu/kernels/conv2d.js';
import { gemmTile } from '../src/gpu/kernels/gemm.js';
import { convProgram } from '../src/gpu/programs/conv.gpu.js';
import { openKernelDevice } from '../test/support/kernel-device.js';
import { CONV_LAYERS } from './kernels.js';
import { mobilenetV2 } from '../test/support/mobilenet-v2.js';

const COUNTER = 'traffic__';
const DECL = /@group\(0\)\s*@binding\((\d+)\)\s*var<storage,\s*(read|read_write)>\s*(\w+)\s*:\s*array<(.+?)>\s*;/g;
const SCALAR_BYTES: Record<string, number> = { f32: 4, u32: 4, i32: 4, f16: 2, 'atomic<u32>': 4 };

/** A storage buffer binding of a shader: its binding number, access mode, element type (aliases resolved) and size. */
export interface StorageDecl {
  binding: number;
  mode: 'read' | 'read_write';
  name: string;
  type: string;
  elemBytes: number;
}

/** A type with its alias (if it is one) resolved, spaces removed. */
function resolveAlias(type: string, source: string): string {
  return (new RegExp(`alias\\s+${type}\\s*=\\s*([^;]+);`).exec(source)?.[1] ?? type).replace(/\s/g, '');
}

function elemBytes(type: string): number {
  const vec = /^vec([234])<(\w+)>$/.exec(type);
  const bytes = vec ? Number(vec[1]) * SCALAR_BYTES[vec[2]!]! : SCALAR_BYTES[type];
  if (!bytes) throw new Error(`traffic: element type "${type}" of a storage buffer is not one the counter knows`);
  return bytes;
}

export function storageDecls(source: string): StorageDecl[] {
  for (const m of source.matchAll(DECL)) if (Number(m[1]) >= SLOTS) throw new Error(`traffic: @binding(${m[1]}) past the counter's ${SLOTS} slots`);
  return [...source.matchAll(DECL)].map((m) => {
    const type = resolveAlias(m[4]!, source);
    return { binding: Number(m[1]), mode: m[2] as StorageDecl['mode'], name: m[3]!, type, elemBytes: elemBytes(type) };
  });
}

/** The index of the `]` closing the `[` at `open`. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']' && --depth === 0) return i;
  }
  throw new Error('traffic: unbalanced [ in WGSL');
}

/** Bindings the counter has slots for. */
const SLOTS = 16;

/** Counter words per binding: bytes loaded, bytes stored, load instructions, store instructions. */
const PER = 4;

/**
 * Rewrites WGSL so every load `buf[i]` of a storage buffer at @binding(b) becomes `tr_buf(u32(i))` (which counts
 * its bytes in traffic__[4b] and one load in traffic__[4b + 2]) and every store statement `buf[i] = v;`
 * is preceded by a count of its bytes in traffic__[4b + 1] and of one store in traffic__[4b + 3]
 * (`buf[i] op= v` counts both). A packed f16 scalar store (src/gpu/kernels/elements.ts: atomicAnd clearing its
 * half of the word, then atomicOr setting it) counts as the 2-byte store a native f16 kernel makes: the atomicOr
 * counts 2 bytes and one store, the atomicAnd nothing; a packed f16 scalar load (`unpack2x16float(buf[i / 2u])[i % 2u]`)
 * counts 2 bytes.
 */
export function instrumentWgsl(source: string): string {
  const decls = storageDecls(source);
  if (decls.length === 0) return source;
  const byName = new Map(decls.map((d) => [d.name, d]));
  // a local array named like a binding would have its accesses counted as that binding's traffic
  const shadow = new RegExp(`\\b(?:var|let|const)\\s+(${decls.map((d) => d.name).join('|')})\\s*:\\s*array<`).exec(source);
  if (shadow) throw new Error(`traffic: "${shadow[1]}" names both a storage binding and a local array; rename the local`);
  const access = new RegExp(`(?<![\\w.&])(${decls.map((d) => d.name).join('|')})\\s*\\[`, 'g');
  const halfLoads = new Set<StorageDecl>();
  const rewrite = (s: string): string => {
    let out = '';
    let at = 0;
    access.lastIndex = 0;
    for (let m = access.exec(s); m; m = access.exec(s)) {
      const d = byName.get(m[1]!)!;
      const open = m.index + m[0].length - 1;
      const close = closing(s, open);
      const index = rewrite(s.slice(open + 1, close));
      const after = /^\s*([-+*/%&|^]?)=(?!=)/.exec(s.slice(close + 1));
      out += s.slice(at, m.index);
      if (after) {
        // a store statement: count before it (and the load of a compound assignment)
        const count = (slot: number, n: number) => `atomicAdd(&${COUNTER}[${PER * d.binding + slot}], ${n}u); `;
        out += `${count(1, d.elemBytes)}${count(3, 1)}${after[1] ? `${count(0, d.elemBytes)}${count(2, 1)}` : ''}${d.name}[${index}]`;
      } else if (d.elemBytes === 4 && s.slice(0, m.index).endsWith('unpack2x16float(') && s.slice(close + 1).startsWith(')[')) {
        // one f16 of a packed word (elements.ts): the 2 bytes a native f16 load reads
        halfLoads.add(d);
        out += `tr_h_${d.name}(u32(${index}))`;
      } else out += `tr_${d.name}(u32(${index}))`;
      at = close + 1;
      access.lastIndex = close + 1;
    }
    return out + s.slice(at);
  };
  // declarations themselves are left alone: rewrite only the text between them
  const parts: string[] = [];
  let at = 0;
  for (const m of source.matchAll(DECL)) {
    parts.push(rewrite(source.slice(at, m.index)), m[0]);
    at = m.index! + m[0].length;
  }
  parts.push(rewrite(source.slice(at)));
  const packedStore = new RegExp(`(?<![\\w.])atomicOr\\(&(${decls.map((d) => d.name).join('|')})\\[`, 'g');
  const counted = parts.join('').replace(packedStore, (m, name: string) => {
    const at = PER * byName.get(name)!.binding;
    return `atomicAdd(&${COUNTER}[${at + 1}], 2u); atomicAdd(&${COUNTER}[${at + 3}], 1u); ${m}`;
  });
  const helpers = decls.filter((d) => !/^atomic</.test(d.type)).map((d) => {
    const at = PER * d.binding;
    return `fn tr_${d.name}(i: u32) -> ${d.type} {\n  atomicAdd(&${COUNTER}[${at}], ${d.elemBytes}u);\n  atomicAdd(&${COUNTER}[${at + 2}], 1u);\n  return ${d.name}[i];\n}`;
  });
  const halfHelpers = [...halfLoads].map((d) =>
    `fn tr_h_${d.name}(i: u32) -> u32 {\n  atomicAdd(&${COUNTER}[${PER * d.binding}], 2u);\n  atomicAdd(&${COUNTER}[${PER * d.binding + 2}], 1u);\n  return ${d.name}[i];\n}`);
  return [`@group(1) @binding(0) var<storage, read_write> ${COUNTER}: array<atomic<u32>, ${PER * SLOTS}>;`, ...helpers, ...halfHelpers, counted].join('\n');
}

const instrumented = new Map<ShaderDef, ShaderDef>();
function instrumentDef(def: ShaderDef): ShaderDef {
  let d = instrumented.get(def);
  if (!d) instrumented.set(def, (d = { ...def, name: `${def.name}~traffic`, source: instrumentWgsl(def.source) }));
  return d;
}

/** One dispatch's counted and compulsory bytes. */
export interface TrafficRow {
  node: string;
  op: string;
  dispatch: string;
  read: number;
  write: number;
  /** bytes of the storage buffers the dispatch binds read-only / read-write, each once */
  minRead: number;
  minWrite: number;
  /** load / store instructions (a vec4 access is one) */
  loads: number;
  stores: number;
  /** bytes loaded from each binding (index = binding number) */
  perBinding: number[];
  /** workgroups dispatched */
  workgroups: number;
}

/** Counts every dispatch of one node, its inputs given in NCHW (as runNodeOnGpu takes them). */
export async function countNode(
  gpu: GpuContext,
  rg: ResolvedGraph,
  idx: number,
  inputs: readonly Value[],
  pipelines: PipelineCache,
  program: GpuProgram | undefined = GPU_PROGRAMS.get(rg.nodes[idx]!.node.op),
  /** the node's bindings' storage (act-storage.ts): f16 inputs are uploaded as packed f16, f16 outputs half-size */
  storage: (ref: BindingRef) => ElemStorage = () => 'f32',
): Promise<TrafficRow[]> {
  const rn = rg.nodes[idx]!;
  if (!program) throw new Error(`traffic: no GPU program for ${rn.node.op} (node "${rn.node.name}")`);
  const { device } = gpu;
  const tracker = new BufferTracker(device);
  try {
    device.pushErrorScope('validation');
    const inBufs = inputs.map((v, i) => {
      if (!v || sizeOf(v.shape) === 0) return tracker.create(4, STORAGE, `in${i}`);
      const f32 = toDevice(v.shape, isInt(v) ? Float32Array.from(v.ints) : v.data);
      const dev = storage({ kind: 'input', index: i }) === 'f32' ? f32 : packFloat16(f32);
      const b = tracker.create(Math.max(4, dev.byteLength), STORAGE, `in${i}`);
      device.queue.writeBuffer(b, 0, dev.buffer, dev.byteOffset, dev.byteLength);
      return b;
    });
    const outBufs = rn.outputShapes.map((s, i) => tracker.create(Math.max(4, sizeOf(s) * elemBytesOf(storage({ kind: 'output', index: i }))), STORAGE, `out${i}`));
    const defs = new Map<GPUComputePipeline, ShaderDef>();
    const base = makeBuildCtx(gpu, pipelines, tracker, rn.node.inputs.map((n) => (n === '' ? undefined : rg.constants.get(n))), storage);
    const ctx: GpuBuildCtx = {
      ...base,
      pipeline: async (def: ShaderDef, c: Constants = {}) => {
        const p = await pipelines.get(instrumentDef(def), c);
        defs.set(p, def);
        return p;
      },
    };
    const prog = await program.build(rn, ctx);
    const rows: TrafficRow[] = [];
    for (const d of prog.dispatches) {
      const counter = tracker.create(4 * PER * SLOTS, STORAGE, 'traffic');
      device.queue.writeBuffer(counter, 0, new Uint32Array(PER * SLOTS));
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, bindGroupFor(device, d.pipeline, d.bindings, inBufs, outBufs, d.label));
      pass.setBindGroup(1, device.createBindGroup({ layout: d.pipeline.getBindGroupLayout(1), entries: [{ binding: 0, resource: { buffer: counter } }] }));
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
      const rb = tracker.create(4 * PER * SLOTS, READBACK, 'traffic.rb');
      enc.copyBufferToBuffer(counter, 0, rb, 0, 4 * PER * SLOTS);
      device.queue.submit([enc.finish()]);
      await rb.mapAsync(0x0001);
      const words = new Uint32Array(rb.getMappedRange().slice(0));
      const slot = (k: number) => Array.from({ length: SLOTS }, (_, b) => words[PER * b + k]!);
      const perBinding = slot(0);
      const read = perBinding.reduce((a, v) => a + v, 0);
      const write = slot(1).reduce((a, v) => a + v, 0);
      const loads = slot(2).reduce((a, v) => a + v, 0);
      const stores = slot(3).reduce((a, v) => a + v, 0);
      rb.unmap();
      const def = defs.get(d.pipeline)!;
      const size = (r: BindingRef) => refBuffer(r, inBufs, outBufs).size;
      let minRead = 0;
      let minWrite = 0;
      for (const s of storageDecls(def.source)) {
        const r = d.bindings[s.binding];
        if (!r) continue;
        if (s.mode === 'read') minRead += size(r);
        else minWrite += size(r);
      }
      rows.push({ node: rn.node.name, op: rn.node.op, dispatch: def.name, read, write, minRead, minWrite, loads, stores, perBinding, workgroups: d.workgroups[0] * d.workgroups[1] * d.workgroups[2] });
    }
    const err = await device.popErrorScope();
    if (err) throw new Error(`traffic: ${rn.node.op} node "${rn.node.name}": ${err.message}`);
    return rows;
  } finally {
    tracker.destroyAll();
  }
}

/**
 * Counts every node of a resolved (optimized) graph on the hardware path, each node fed its CPU-reference inputs;
 * with `activations` the executor's f16 policy (act-storage.ts) picks the interior tensors stored as packed f16.
 */
export async function countGraph(gpu: GpuContext, rg: ResolvedGraph, feeds: Record<string, Tensor>, activations?: ActivationStorage): Promise<TrafficRow[]> {
  const hw: GpuContext = { ...gpu, info: { ...gpu.info, isSoftware: false } };
  const env = new Map<string, Value>([...rg.constants, ...Object.entries(feeds)]);
  runCpu(rg, feeds, { onNode: (i, outs) => rg.nodes[i]!.node.outputs.forEach((o, k) => env.set(o, outs[k]!)) });
  const pipelines = new PipelineCache(gpu.device);
  const rows: TrafficRow[] = [];
  const flavour = halfActivations(hw, activations);
  const half = flavour ? halfTensors(rg, GPU_PROGRAMS, 'tiled') : new Set<string>();
  for (let i = 0; i < rg.nodes.length; i++) {
    const rn = rg.nodes[i]!;
    const ins = rn.node.inputs.map((n) => (n === '' ? { shape: [0], data: new Float32Array(0) } : env.get(n)!));
    rows.push(...(await countNode(hw, rg, i, ins, pipelines, undefined, storageResolver(rn.node.inputs, rn.node.outputs, half, flavour ?? 'f32'))));
  }
  return rows;
}

function seeded(shape: number[], seed: number): Tensor {
  let s = seed;
  const data = new Float32Array(sizeOf(shape)).map(() => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
  return { shape, data };
}

/** MobileNetV2 1.0 224² (seeded weights) or the MediaPipe short-range face detector. */
export function trafficModel(which: 'mobilenet' | 'face'): { name: string; graph: Graph } {
  if (which === 'mobilenet') return { name: 'MobileNetV2 1.0 224x224', graph: mobilenetV2(224) };
  const path = join(process.cwd(), 'node_modules', '@mediapipe', 'face_detection', 'face_detection_short_range.tflite');
  return { name: 'MediaPipe face detector (short range)', graph: loadTflite(new Uint8Array(readFileSync(path))) };
}

export interface TrafficReport {
  name: string;
  fused: TrafficRow[];
  unfused: TrafficRow[];
  /** the fused graph with interior activations in f16 (packed-f16 storage, counted as native f16 moves them; weights f32) */
  half?: TrafficRow[];
}

/** The model as load() optimizes it for a hardware adapter (dw -> pw fused where dwPwWins), and without the fusion. */
export async function modelTraffic(gpu: GpuContext, which: 'mobilenet' | 'face'): Promise<TrafficReport> {
  const { name, graph } = trafficModel(which);
  const rg = optimize(resolve(graph)).graph;
  const feeds = Object.fromEntries([...rg.inputShapes].map(([n, shape], k) => [n, seeded([...shape], 17 + k)]));
  const fusedGraph = fuseDwPwFor(rg, { variant: 'tiled', limits: gpu.info.limits }).graph;
  const half = await countGraph(gpu, fusedGraph, feeds, 'packed-f16');
  return { name, fused: await countGraph(gpu, fusedGraph, feeds), unfused: await countGraph(gpu, rg, feeds), half };
}

const mb = (b: number) => (b / 2 ** 20).toFixed(2);
const ratio = (r: TrafficRow[]) => sum(r, 'read') + sum(r, 'write') === 0 ? '-' : ((sum(r, 'read') + sum(r, 'write')) / (sum(r, 'minRead') + sum(r, 'minWrite'))).toFixed(2);
function sum(rows: readonly TrafficRow[], k: 'read' | 'write' | 'minRead' | 'minWrite' | 'loads' | 'stores'): number {
  return rows.reduce((s, r) => s + r[k], 0);
}

/** The table: per dispatch, totals, and each fused pair against the two dispatches it replaces. */
export function formatTraffic(rep: TrafficReport, perDispatch = true): string {
  const lines = [`${rep.name}: hardware-path global traffic (MiB) per dispatch, counted vs compulsory; load and store instructions (millions, a vec4 one); workgroups`];
  const ops = (n: number) => (n / 1e6).toFixed(3);
  const row = (label: string, r: TrafficRow[]) =>
    `${label.padEnd(58)} ${mb(sum(r, 'read')).padStart(9)} ${mb(sum(r, 'write')).padStart(8)} ${mb(sum(r, 'minRead')).padStart(9)} ${mb(sum(r, 'minWrite')).padStart(8)} ${ratio(r).padStart(6)} ${ops(sum(r, 'loads')).padStart(9)} ${ops(sum(r, 'stores')).padStart(8)}${r.length === 1 ? ` ${String(r[0]!.workgroups).padStart(6)}` : ''}`;
  lines.push(`${'dispatch'.padEnd(58)} ${'read'.padStart(9)} ${'write'.padStart(8)} ${'min read'.padStart(9)} ${'min wr'.padStart(8)} ${'ratio'.padStart(6)} ${'loads M'.padStart(9)} ${'stores M'.padStart(8)} ${'wgs'.padStart(6)}`);
  if (perDispatch) for (const r of rep.fused) lines.push(row(`${r.node.slice(0, 34)} ${r.dispatch}`.slice(0, 58), [r]));
  lines.push(row('TOTAL (as load() runs it, pairs fused where dwPwWins)', rep.fused));
  lines.push(row('TOTAL with no dw -> pw fusion', rep.unfused));
  if (rep.half) lines.push(row('TOTAL fused, f16 activations, f32 weights', rep.half));
  const pairs = rep.fused.filter((r) => r.op === 'FusedDwPw');
  if (pairs.length) {
    const parts = pairs.map((p) => rep.unfused.filter((u) => p.node.split('+').includes(u.node)));
    lines.push(row(`${pairs.length} fused pairs`, pairs));
    lines.push(row(`the same ${pairs.length} pairs unfused (dw + pw dispatches)`, parts.flat()));
  }
  return lines.join('\n');
}

/** The regular convs of bench/kernels.ts (and a 3x3 stride-2 one): [H, Cin, Cout, stride, kernel]. */
const CONVS: [number, number, number, number, number?][] = [...CONV_LAYERS, [112, 32, 64, 2]];

const planName = (t: ConvTile) => (t.staged ? `staged ${t.TY}x${t.TX}x${t.TN} TK${t.TK}` : `gathered ${t.TM}x${t.TN}`) + ` r${t.RM}x${4 * t.RN4}`;

/**
 * Each conv of CONVS counted with the gathered tile (gemm_tile.wgsl, its A gathered once per tap: the kernel before
 * the staged tile) and with planConv2d's plan; seeded weights and input.
 */
export async function convTraffic(gpu: GpuContext): Promise<string> {
  const hw: GpuContext = { ...gpu, info: { ...gpu.info, isSoftware: false } };
  const pipelines = new PipelineCache(gpu.device);
  const lines = ['Implicit-GEMM convs (MiB): gathered tile vs the planned one, counted / compulsory'];
  lines.push(`${'conv'.padEnd(24)} ${'gathered'.padStart(9)} ${'ratio'.padStart(6)} ${'planned'.padStart(9)} ${'ratio'.padStart(6)}  plan`);
  for (const [hw2, cin, cout, s, k = 3] of CONVS) {
    const b = new GraphBuilder('conv', { seed: 5 });
    const x = b.input('x', [1, cin, hw2, hw2]);
    b.output(b.relu(b.conv2d(x, cin, cout, k, { stride: s, padding: (k - 1) >> 1 })), 'y');
    const rg = optimize(resolve(b.build())).graph;
    const rn = rg.nodes[0]!;
    const o = Math.floor((hw2 + 2 * ((k - 1) >> 1) - k) / s) + 1;
    const p = (k - 1) >> 1;
    const g: Conv2dGeometry = { n: 1, c: cin, h: hw2, w: hw2, cout, oh: o, ow: o, kh: k, kw: k, group: 1, strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] };
    const gathered: ConvTile = { staged: false, ...gemmTile(o * o, cout, k * k * cin, gpu.info.limits) };
    const planned = planConv2d(g, gpu.info.limits);
    const ins = [seeded([1, cin, hw2, hw2], 3), rg.constants.get(rn.node.inputs[1]!)!, rg.constants.get(rn.node.inputs[2]!)!];
    const count = async (t: ConvTile) => (await countNode(hw, rg, 0, ins, pipelines, convProgram({ convTile: t })))[0]!;
    const [a, c] = [await count(gathered), await count(planned)];
    const min = a.minRead + a.minWrite;
    const f = (r: TrafficRow) => `${mb(r.read + r.write).padStart(9)} ${((r.read + r.write) / min).toFixed(2).padStart(6)}`;
    lines.push(`${`${hw2}²x${cin}->${cout} k${k} s${s}`.padEnd(24)} ${f(a)} ${f(c)}  ${planName(planned)}`);
  }
  return lines.join('\n');
}

export async function main(args: string[] = []): Promise<void> {
  const only = args.find((a) => a.startsWith('--model='))?.slice(8);
  const gpu = await openKernelDevice();
  try {
    if (!only || only === 'convs') console.log(`${await convTraffic(gpu)}\n`);
    for (const which of ['mobilenet', 'face'] as const) {
      if (only && only !== which) continue;
      const t0 = performance.now();
      const rep = await modelTraffic(gpu, which);
      console.log(formatTraffic(rep, !args.includes('--totals')));
      console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
  } finally {
    gpu.device.destroy();
  }
}
