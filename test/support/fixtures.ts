// PyTorch-generated ONNX fixtures (scripts/make_fixtures.py): listing, loading and comparing. Node-only.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph } from '../../src/graph/ir.js';
import { readNpy } from '../../src/io/npy.js';
import { loadOnnx } from '../../src/onnx/import.js';
import { shapeStr, sameShape, stridesOf, type Shape, type Tensor } from '../../src/tensor.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES_DIR = join(ROOT, 'fixtures');

/** One entry of fixtures/index.json. */
export interface FixtureInfo {
  name: string;
  description: string;
  opset: number;
  input_shape: number[];
  output_shape: number[];
  atol: number;
  rtol: number;
  /** Distinct op types in the exported graph, in order of first appearance. */
  ops: string[];
  nodes: number;
  /** 'output.npy', or null when the output was too big to store (see output_samples). */
  output: string | null;
  output_samples?: string;
  output_abs_max: number;
  dynamic_axes?: Record<string, Record<string, string>>;
  constant_folding?: false;
  /** For seeds: the copy under examples/. */
  example?: string;
}

/** Per-conv figures of a seed model, computed in Python from the module (torchinfo's counting rules). */
export interface SeedLayerFigures {
  name: string;
  type: 'Conv2d';
  in_channels: number;
  out_channels: number;
  kernel: number[];
  stride: number[];
  padding: number[] | string;
  groups: number;
  bias: boolean;
  weight_params: number;
  bias_params: number;
  params: number;
  output_shape: number[];
  /** (weight + bias numel) × N × Hout × Wout. */
  macs: number;
}

export interface SeedFigures {
  example: string;
  input_shape: number[];
  output_shape: number[];
  layers: SeedLayerFigures[];
  total_params: number;
  total_macs: number;
}

export interface FixtureIndex {
  generator: string;
  torch: string;
  onnx: string;
  default_atol: number;
  default_rtol: number;
  fixtures: FixtureInfo[];
  seed_figures: Record<string, SeedFigures>;
}

/** PyTorch's values at fixed flat indices, for outputs too big to commit whole. */
export interface OutputSamples {
  indices: number[];
  values: number[];
  /** Mean of each channel (axis 1) over all other axes, in float64. */
  channel_means: number[];
  abs_max: number;
}

export interface LoadedFixture {
  name: string;
  info: FixtureInfo;
  graph: Graph;
  /** Name of the graph's (single) input. */
  inputName: string;
  input: Tensor;
  /** PyTorch's output; null for fixtures that only store samples (large seeds). */
  expected: Tensor | null;
  samples: OutputSamples | null;
  atol: number;
  rtol: number;
}

let cachedIndex: FixtureIndex | undefined;

export function readIndex(): FixtureIndex {
  if (!cachedIndex) {
    const path = join(FIXTURES_DIR, 'index.json');
    if (!existsSync(path))
      throw new Error(`${path} is missing; generate it with /usr/bin/python3 scripts/make_fixtures.py`);
    cachedIndex = JSON.parse(readFileSync(path, 'utf8')) as FixtureIndex;
  }
  return cachedIndex;
}

export function listFixtures(): FixtureInfo[] {
  return readIndex().fixtures;
}

export function seedFigures(): Record<string, SeedFigures> {
  return readIndex().seed_figures;
}

export function fixtureInfo(name: string): FixtureInfo {
  const info = listFixtures().find((f) => f.name === name);
  if (!info) throw new Error(`no fixture named "${name}" in fixtures/index.json`);
  return info;
}

export function fixturePath(name: string, file: string): string {
  return join(FIXTURES_DIR, name, file);
}

function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function loadNpy(path: string): Tensor {
  return readNpy(readBytes(path));
}

export function loadFixture(name: string): LoadedFixture {
  const info = fixtureInfo(name);
  const graph = loadOnnx(readBytes(fixturePath(name, 'model.onnx')));
  if (graph.inputs.length !== 1) throw new Error(`fixture ${name}: expected one graph input, got ${graph.inputs.length}`);
  const input = loadNpy(fixturePath(name, 'input.npy'));
  const expected = info.output ? loadNpy(fixturePath(name, info.output)) : null;
  const samples = info.output_samples
    ? (JSON.parse(readFileSync(fixturePath(name, info.output_samples), 'utf8')) as OutputSamples)
    : null;
  if (!sameShape(input.shape, info.input_shape))
    throw new Error(`fixture ${name}: input.npy has shape ${shapeStr(input.shape)}, index says ${shapeStr(info.input_shape)}`);
  if (expected && !sameShape(expected.shape, info.output_shape))
    throw new Error(`fixture ${name}: output.npy has shape ${shapeStr(expected.shape)}, index says ${shapeStr(info.output_shape)}`);
  return { name, info, graph, inputName: graph.inputs[0]!.name, input, expected, samples, atol: info.atol, rtol: info.rtol };
}

/** Result of comparing an output with PyTorch's: numpy.allclose rule |a - e| <= atol + rtol·|e|. */
export interface Comparison {
  ok: boolean;
  /** Largest |actual − expected| over the compared elements (Infinity for NaN/±Inf mismatches). */
  maxAbsErr: number;
  /** Largest |actual − expected| / (atol + rtol·|expected|); ok means this is <= 1. */
  worstRatio: number;
  /** The element with the largest absolute error. */
  worstIndex: number;
  worstCoords: number[];
  worstActual: number;
  worstExpected: number;
  /** How many compared elements break the tolerance. */
  mismatches: number;
  compared: number;
  /** Set when the comparison could not be made (shape mismatch) or for extra checks (channel means). */
  note?: string;
}

export function coordsOf(shape: Shape, flat: number): number[] {
  const st = stridesOf(shape);
  return st.map((s, i) => Math.floor(flat / s) % shape[i]!);
}

function emptyFail(note: string): Comparison {
  return {
    ok: false, maxAbsErr: Infinity, worstRatio: Infinity, worstIndex: -1, worstCoords: [], worstActual: NaN,
    worstExpected: NaN, mismatches: 0, compared: 0, note,
  };
}

function errOf(a: number, e: number): number {
  if (Number.isNaN(a) || Number.isNaN(e)) return Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity;
  if (a === e) return 0; // equal infinities
  return Math.abs(a - e);
}

/** Compares every element of `actual` with `expected`. */
export function compareTensors(actual: Tensor, expected: Tensor, atol: number, rtol: number): Comparison {
  if (!sameShape(actual.shape, expected.shape))
    return emptyFail(`shape mismatch: got ${shapeStr(actual.shape)}, PyTorch gives ${shapeStr(expected.shape)}`);
  return compareAt(actual, expected.shape, null, expected.data, atol, rtol);
}

function compareAt(
  actual: Tensor,
  shape: Shape,
  indices: readonly number[] | null,
  values: ArrayLike<number>,
  atol: number,
  rtol: number,
): Comparison {
  let maxAbsErr = 0;
  let worstRatio = 0;
  let worst = indices ? indices[0] ?? 0 : 0;
  let mismatches = 0;
  const n = values.length;
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k]! : k;
    const a = actual.data[i]!;
    const e = values[k]!;
    const err = errOf(a, e);
    const ratio = err / (atol + rtol * Math.abs(e));
    if (!(ratio <= 1)) mismatches++;
    if (err > maxAbsErr) {
      maxAbsErr = err;
      worst = i;
    }
    if (ratio > worstRatio) worstRatio = ratio;
  }
  const wk = indices ? indices.indexOf(worst) : worst;
  return {
    ok: mismatches === 0,
    maxAbsErr,
    worstRatio,
    worstIndex: worst,
    worstCoords: coordsOf(shape, worst),
    worstActual: actual.data[worst] ?? NaN,
    worstExpected: values[wk] ?? NaN,
    mismatches,
    compared: n,
  };
}

/** Checks an output against a fixture: the whole of output.npy, or the stored samples and channel means. */
export function compareToFixture(fx: LoadedFixture, actual: Tensor): Comparison {
  const { atol, rtol } = fx;
  if (!sameShape(actual.shape, fx.info.output_shape))
    return emptyFail(`shape mismatch: got ${shapeStr(actual.shape)}, PyTorch gives ${shapeStr(fx.info.output_shape)}`);
  if (fx.expected) return compareTensors(actual, fx.expected, atol, rtol);
  const s = fx.samples;
  if (!s) return emptyFail(`fixture ${fx.name} has neither output.npy nor output samples`);
  const c = compareAt(actual, actual.shape, s.indices, s.values, atol, rtol);
  // Channel means cover every element: compare them with the same tolerance.
  const shape = actual.shape;
  const C = shape[1] ?? 1;
  const inner = shape.slice(2).reduce((p, d) => p * d, 1);
  const N = shape[0] ?? 1;
  const sums = new Float64Array(C);
  for (let b = 0; b < N; b++)
    for (let ch = 0; ch < C; ch++) {
      const off = (b * C + ch) * inner;
      let acc = 0;
      for (let j = 0; j < inner; j++) acc += actual.data[off + j]!;
      sums[ch]! += acc;
    }
  let badChannels = 0;
  let worstMeanErr = 0;
  let worstChannel = -1;
  for (let ch = 0; ch < C; ch++) {
    const m = sums[ch]! / (N * inner);
    const e = s.channel_means[ch]!;
    const err = errOf(m, e);
    if (!(err <= atol + rtol * Math.abs(e))) badChannels++;
    if (err > worstMeanErr || worstChannel < 0) {
      worstMeanErr = err;
      worstChannel = ch;
    }
  }
  const note = `compared ${c.compared} sampled elements and ${C} channel means; ${badChannels} channel mean(s) outside tolerance (worst: channel ${worstChannel}, off by ${worstMeanErr.toExponential(2)})`;
  return { ...c, ok: c.ok && badChannels === 0, note };
}

export function describeComparison(name: string, c: Comparison, atol: number, rtol: number): string {
  if (c.worstIndex < 0) return `${name}: ${c.note}`;
  return (
    `${name}: ${c.mismatches}/${c.compared} element(s) outside atol=${atol} rtol=${rtol}; ` +
    `max abs error ${c.maxAbsErr.toExponential(3)} at [${c.worstCoords.join(', ')}] ` +
    `(got ${c.worstActual}, PyTorch ${c.worstExpected}); worst |err|/(atol+rtol|e|) = ${c.worstRatio.toFixed(3)}` +
    (c.note ? `; ${c.note}` : '')
  );
}
