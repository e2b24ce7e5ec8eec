import { InputError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { resolve, type ResolvedNode } from '../graph/resolve.js';
import type { ConvAttrs } from '../ops/conv.js';
import { sizeOf, type Shape } from '../tensor.js';

/** torchinfo counts every tensor as float32. */
export const BYTES_PER_ELEMENT = 4;

export interface SummaryRow {
  name: string;
  op: string;
  /** Human label: 'Conv (depthwise 3x3)', 'Conv (pointwise)', 'Conv 5x5 s2', 'Relu'… */
  type: string;
  outputShape: Shape;
  params: number;
  macs: number;
}

export interface SummaryReport {
  model: string;
  inputs: { name: string; shape: Shape }[];
  rows: SummaryRow[];
  totalParams: number;
  totalMacs: number;
  inputBytes: number;
  /** torchinfo: 2 × (output bytes of every layer that has parameters); the 2 is for gradients. */
  forwardBackwardBytes: number;
  paramBytes: number;
  totalBytes: number;
}

/**
 * Per-layer parameters and mult-adds of `graph` at the given input shape(s), with torchinfo's memory estimate.
 * A bare shape binds the graph's only input; omit it to use the declared shapes.
 */
export function summary(graph: Graph, input?: Shape | Record<string, Shape>): SummaryReport {
  const rg = resolve(graph, bindInputs(graph, input));
  const rows = rg.nodes.map(toRow);
  const inputs = [...rg.inputShapes].map(([name, shape]) => ({ name, shape }));
  const totalParams = sum(rows.map((r) => r.params));
  const totalMacs = sum(rows.map((r) => r.macs));
  const inputBytes = sum(inputs.map((i) => sizeOf(i.shape))) * BYTES_PER_ELEMENT;
  // torchinfo only counts outputs of leaf modules with parameters: parameter-free functional ops that ONNX
  // records as nodes (flatten, add, reshape…) then cannot change the figure.
  const forwardBackwardBytes =
    2 * sum(rows.filter((r) => r.params > 0).map((r) => sizeOf(r.outputShape))) * BYTES_PER_ELEMENT;
  const paramBytes = totalParams * BYTES_PER_ELEMENT;
  return {
    model: graph.name,
    inputs,
    rows,
    totalParams,
    totalMacs,
    inputBytes,
    forwardBackwardBytes,
    paramBytes,
    totalBytes: inputBytes + forwardBackwardBytes + paramBytes,
  };
}

function bindInputs(graph: Graph, input: Shape | Record<string, Shape> | undefined): Record<string, Shape> {
  if (input === undefined) return {};
  if (!Array.isArray(input)) return input as Record<string, Shape>;
  const names = graph.inputs.filter((i) => !graph.initializers.has(i.name)).map((i) => i.name);
  if (names.length !== 1)
    throw new InputError(
      `the model has ${names.length} inputs (${names.map((n) => `"${n}"`).join(', ')}); give a shape per input name`,
    );
  return { [names[0]!]: input as Shape };
}

function toRow(rn: ResolvedNode): SummaryRow {
  return {
    name: rn.node.name,
    op: rn.node.op,
    type: layerType(rn),
    outputShape: rn.outputShapes[0] ?? [],
    params: rn.cost.params,
    macs: rn.cost.macs,
  };
}

/** Names the convolution kind from its weight shape and group, the way people talk about DSC layers. */
export function layerType(rn: ResolvedNode): string {
  if (rn.node.op !== 'Conv') return rn.node.op;
  const a = rn.attrs as ConvAttrs;
  const [x, w] = rn.inputShapes as [Shape, Shape];
  const cin = x[1]!;
  const [kh, kw] = [w[2]!, w[3]!];
  const k = `${kh}x${kw}`;
  const extra = [
    a.strides[0] !== 1 || a.strides[1] !== 1 ? `s${same(a.strides)}` : '',
    a.dilations[0] !== 1 || a.dilations[1] !== 1 ? `d${same(a.dilations)}` : '',
  ].filter(Boolean);
  const tail = extra.length ? ` ${extra.join(' ')}` : '';
  if (a.group === cin && cin > 1) return `Conv (depthwise ${k}${tail})`;
  if (kh === 1 && kw === 1 && a.group === 1 && !extra.length) return 'Conv (pointwise)';
  return `Conv ${k}${tail}${a.group > 1 ? ` g${a.group}` : ''}`;
}

function same([a, b]: readonly [number, number]): string {
  return a === b ? `${a}` : `${a}x${b}`;
}

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}
