import { ShapeError } from './errors.js';
import type { AttrValue, Graph, Node, Value } from './graph/ir.js';
import { shapeStr, sizeOf, type Shape } from './tensor.js';

/** A value flowing through a graph under construction; only meaningful to the builder that made it. */
export interface Ref {
  readonly id: number;
}

export type Pair = number | readonly [number, number];
/** A number pads all four sides; a 4-tuple is [top, left, bottom, right] (ONNX `pads` order). */
export type Padding = number | readonly [number, number, number, number] | 'same' | 'valid';

export interface ConvOptions {
  name?: string;
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  /** Whether the layer has a bias (default true, as nn.Conv2d). */
  bias?: boolean;
  /** [cout, cin / groups, kh, kw], row-major. */
  weight?: Float32Array;
  biasData?: Float32Array;
}

export interface DepthwiseOptions extends Omit<ConvOptions, 'groups'> {
  /** Output channels per input channel (default 1). */
  multiplier?: number;
}

export type PointwiseOptions = Omit<ConvOptions, 'stride' | 'padding' | 'dilation'>;

export interface SeparableOptions {
  /** Prefix for the two nodes: `${name}.depthwise` and `${name}.pointwise`. */
  name?: string;
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  multiplier?: number;
  /** Bias on both convolutions (default true); per-part data below implies a bias on that part. */
  bias?: boolean;
  depthwiseWeight?: Float32Array;
  pointwiseWeight?: Float32Array;
  depthwiseBias?: Float32Array;
  pointwiseBias?: Float32Array;
}

export interface PoolOptions {
  name?: string;
  /** Default: the kernel size, as in PyTorch. */
  stride?: Pair;
  padding?: number | readonly [number, number, number, number];
  ceilMode?: boolean;
}

export interface MaxPoolOptions extends PoolOptions {
  dilation?: Pair;
}

export interface AvgPoolOptions extends PoolOptions {
  /** Default true, as nn.AvgPool2d (ONNX's own default is false). */
  countIncludePad?: boolean;
}

export interface LinearOptions {
  name?: string;
  bias?: boolean;
  /** [out, in], row-major (Gemm with transB = 1, like nn.Linear). */
  weight?: Float32Array;
  biasData?: Float32Array;
}

export interface BatchNormOptions {
  name?: string;
  eps?: number;
  weight?: Float32Array;
  bias?: Float32Array;
  runningMean?: Float32Array;
  runningVar?: Float32Array;
}

export interface BuilderOptions {
  /** Seed of the PRNG used for weights that are not given (default 0). */
  seed?: number;
  /**
   * 'kaiming': PyTorch's default Conv2d/Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
   * 'zeros': all-zero weights, for graphs that are only measured (summary, compare) and may be large.
   */
  init?: 'kaiming' | 'zeros';
  opset?: number;
}

interface PendingNode {
  name: string;
  op: string;
  inputs: number[];
  outputs: number[];
  attrs: Record<string, AttrValue>;
}

/** mulberry32: tiny, fast and good enough for reproducible weight init. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * Builds the same Graph IR the ONNX importer produces (opset 17, PyTorch export conventions), for networks
 * defined in code. Initializers are named like PyTorch state-dict entries (`sep1.depthwise.weight`).
 */
export class GraphBuilder {
  private readonly edges: string[] = [];
  /** Channel count (dim 1) of each edge when statically known; used to catch wiring mistakes early. */
  private readonly channels: (number | undefined)[] = [];
  private readonly inputs: { name: string; shape: (number | string)[] }[] = [];
  private readonly outputs: number[] = [];
  private readonly nodes: PendingNode[] = [];
  private readonly initializers = new Map<string, Value>();
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly random: () => number;
  private readonly init: 'kaiming' | 'zeros';
  private readonly opset: number;

  constructor(
    readonly name: string,
    opts: BuilderOptions = {},
  ) {
    this.random = prng(opts.seed ?? 0);
    this.init = opts.init ?? 'kaiming';
    this.opset = opts.opset ?? 17;
  }

  input(name: string, shape: readonly (number | string)[]): Ref {
    this.claim(name, 'Input');
    this.inputs.push({ name, shape: [...shape] });
    const c = shape.length >= 2 && typeof shape[1] === 'number' ? shape[1] : undefined;
    return this.edge(name, c);
  }

  /** Marks `x` as a graph output, optionally renaming its edge (e.g. 'output'). */
  output(x: Ref, name?: string): void {
    this.check(x);
    if (name !== undefined && name !== this.edges[x.id]) {
      if (this.inputs.some((i) => i.name === this.edges[x.id]))
        throw new ShapeError(name, 'Output', `cannot rename graph input "${this.edges[x.id]}"`);
      this.claim(name, 'Output');
      this.edges[x.id] = name;
    }
    this.outputs.push(x.id);
  }

  conv2d(x: Ref, cin: number, cout: number, k: Pair, opts: ConvOptions = {}): Ref {
    const name = this.nameFor(opts.name, 'conv');
    return this.conv(name, x, cin, cout, k, opts);
  }

  /** groups = channels; `multiplier` output channels per input channel. */
  depthwiseConv2d(x: Ref, c: number, k: Pair, opts: DepthwiseOptions = {}): Ref {
    const name = this.nameFor(opts.name, 'dw');
    const m = opts.multiplier ?? 1;
    return this.conv(name, x, c, c * m, k, { ...opts, groups: c });
  }

  pointwiseConv2d(x: Ref, cin: number, cout: number, opts: PointwiseOptions = {}): Ref {
    const name = this.nameFor(opts.name, 'pw');
    return this.conv(name, x, cin, cout, 1, opts);
  }

  /** Depthwise k×k (groups = cin, stride/padding/dilation here) then pointwise 1×1, nothing in between. */
  separableConv2d(x: Ref, cin: number, cout: number, k: Pair, opts: SeparableOptions = {}): Ref {
    const base = this.nameFor(opts.name, 'sep');
    if (opts.bias === false && (opts.depthwiseBias || opts.pointwiseBias))
      throw new ShapeError(base, 'Conv', 'bias data given but bias is false');
    const m = opts.multiplier ?? 1;
    const dw = this.conv(`${base}.depthwise`, x, cin, cin * m, k, {
      stride: opts.stride,
      padding: opts.padding,
      dilation: opts.dilation,
      groups: cin,
      bias: opts.depthwiseBias ? true : opts.bias,
      weight: opts.depthwiseWeight,
      biasData: opts.depthwiseBias,
    });
    return this.conv(`${base}.pointwise`, dw, cin * m, cout, 1, {
      bias: opts.pointwiseBias ? true : opts.bias,
      weight: opts.pointwiseWeight,
      biasData: opts.pointwiseBias,
    });
  }

  relu(x: Ref, name?: string): Ref {
    return this.unary('Relu', 'relu', x, name);
  }

  /** Clip(0, 6), as PyTorch exports nn.ReLU6. */
  relu6(x: Ref, name?: string): Ref {
    const n = this.nameFor(name, 'relu6');
    const lo = this.constant(`${n}.min`, [], Float32Array.of(0));
    const hi = this.constant(`${n}.max`, [], Float32Array.of(6));
    return this.node(n, 'Clip', [x.id, lo, hi], {}, this.channels[x.id]);
  }

  sigmoid(x: Ref, name?: string): Ref {
    return this.unary('Sigmoid', 'sigmoid', x, name);
  }

  hardswish(x: Ref, name?: string): Ref {
    return this.unary('HardSwish', 'hardswish', x, name);
  }

  /** relu6(x + 3) / 6, as nn.Hardsigmoid (ONNX's default alpha is 0.2, so alpha is set explicitly). */
  hardsigmoid(x: Ref, name?: string): Ref {
    const n = this.nameFor(name, 'hardsigmoid');
    this.check(x);
    return this.node(n, 'HardSigmoid', [x.id], { alpha: 1 / 6, beta: 0.5 }, this.channels[x.id]);
  }

  add(a: Ref, b: Ref | number, name?: string): Ref {
    return this.binary('Add', 'add', a, b, name);
  }

  mul(a: Ref, b: Ref | number, name?: string): Ref {
    return this.binary('Mul', 'mul', a, b, name);
  }

  maxPool2d(x: Ref, k: Pair, opts: MaxPoolOptions = {}): Ref {
    const n = this.nameFor(opts.name, 'maxpool');
    const [kh, kw] = pair(k);
    const attrs = { ...this.poolAttrs(n, 'MaxPool', [kh, kw], opts), dilations: pair(opts.dilation ?? 1) };
    this.check(x);
    return this.node(n, 'MaxPool', [x.id], attrs, this.channels[x.id]);
  }

  avgPool2d(x: Ref, k: Pair, opts: AvgPoolOptions = {}): Ref {
    const n = this.nameFor(opts.name, 'avgpool');
    const [kh, kw] = pair(k);
    const attrs = {
      ...this.poolAttrs(n, 'AveragePool', [kh, kw], opts),
      count_include_pad: opts.countIncludePad === false ? 0 : 1,
    };
    this.check(x);
    return this.node(n, 'AveragePool', [x.id], attrs, this.channels[x.id]);
  }

  globalAvgPool(x: Ref, name?: string): Ref {
    return this.unary('GlobalAveragePool', 'gap', x, name);
  }

  flatten(x: Ref, axis = 1, name?: string): Ref {
    const n = this.nameFor(name, 'flatten');
    this.check(x);
    return this.node(n, 'Flatten', [x.id], { axis }, undefined);
  }

  /** nn.Linear: Gemm(x, W[out, in], b) with transB = 1. */
  linear(x: Ref, inFeatures: number, outFeatures: number, opts: LinearOptions = {}): Ref {
    const n = this.nameFor(opts.name, 'linear');
    this.positive(n, 'Gemm', { in: inFeatures, out: outFeatures });
    this.check(x, n, 'Gemm', inFeatures);
    const w = this.param(n, 'Gemm', 'weight', [outFeatures, inFeatures], opts.weight, inFeatures);
    const ins = [x.id, w];
    const hasBias = this.hasBias(n, 'Gemm', opts.bias, opts.biasData);
    if (hasBias) ins.push(this.param(n, 'Gemm', 'bias', [outFeatures], opts.biasData, inFeatures));
    return this.node(n, 'Gemm', ins, { alpha: 1, beta: 1, transB: 1 }, outFeatures);
  }

  /** Inference-mode BatchNormalization; defaults are PyTorch's fresh module (γ=1, β=0, mean 0, var 1). */
  batchNorm(x: Ref, c: number, opts: BatchNormOptions = {}): Ref {
    const n = this.nameFor(opts.name, 'bn');
    this.positive(n, 'BatchNormalization', { channels: c });
    this.check(x, n, 'BatchNormalization', c);
    const vec = (what: string, data: Float32Array | undefined, fill: number): number => {
      if (data) this.checkLength(n, 'BatchNormalization', what, [c], data);
      return this.constant(`${n}.${what}`, [c], data ?? new Float32Array(c).fill(fill));
    };
    const ins = [
      x.id,
      vec('weight', opts.weight, 1),
      vec('bias', opts.bias, 0),
      vec('running_mean', opts.runningMean, 0),
      vec('running_var', opts.runningVar, 1),
    ];
    return this.node(n, 'BatchNormalization', ins, { epsilon: opts.eps ?? 1e-5 }, c);
  }

  softmax(x: Ref, axis = -1, name?: string): Ref {
    const n = this.nameFor(name, 'softmax');
    this.check(x);
    return this.node(n, 'Softmax', [x.id], { axis }, this.channels[x.id]);
  }

  build(): Graph {
    if (this.outputs.length === 0) throw new ShapeError(this.name, 'Graph', 'no outputs; call output() first');
    const nodes: Node[] = this.nodes.map((p) => ({
      name: p.name,
      op: p.op,
      inputs: p.inputs.map((i) => this.edges[i]!),
      outputs: p.outputs.map((i) => this.edges[i]!),
      attrs: { ...p.attrs },
    }));
    return {
      name: this.name,
      inputs: this.inputs.map((i) => ({ name: i.name, shape: [...i.shape] })),
      outputs: this.outputs.map((i) => this.edges[i]!),
      nodes,
      initializers: new Map(this.initializers),
      opset: this.opset,
    };
  }

  private conv(name: string, x: Ref, cin: number, cout: number, k: Pair, opts: ConvOptions): Ref {
    const [kh, kw] = pair(k);
    const groups = opts.groups ?? 1;
    this.positive(name, 'Conv', { cin, cout, 'kernel height': kh, 'kernel width': kw, groups });
    if (cin % groups !== 0 || cout % groups !== 0)
      throw new ShapeError(name, 'Conv', `groups=${groups} must divide both cin=${cin} and cout=${cout}`);
    this.check(x, name, 'Conv', cin);
    const strides = pair(opts.stride ?? 1);
    const dilations = pair(opts.dilation ?? 1);
    this.positive(name, 'Conv', { stride: Math.min(...strides), dilation: Math.min(...dilations) });
    const pads = this.pads(name, 'Conv', opts.padding ?? 0, [kh, kw], strides, dilations);
    const fanIn = (cin / groups) * kh * kw;
    const ins = [x.id, this.param(name, 'Conv', 'weight', [cout, cin / groups, kh, kw], opts.weight, fanIn)];
    if (this.hasBias(name, 'Conv', opts.bias, opts.biasData))
      ins.push(this.param(name, 'Conv', 'bias', [cout], opts.biasData, fanIn));
    const attrs = { kernel_shape: [kh, kw], strides, pads, dilations, group: groups };
    return this.node(name, 'Conv', ins, attrs, cout);
  }

  private pads(
    name: string,
    op: string,
    p: Padding,
    [kh, kw]: [number, number],
    strides: [number, number],
    [dh, dw]: [number, number],
  ): number[] {
    let pads: number[];
    if (p === 'valid') pads = [0, 0, 0, 0];
    else if (p === 'same') {
      if (strides[0] !== 1 || strides[1] !== 1)
        throw new ShapeError(name, op, "padding='same' needs stride 1 (as in PyTorch); give explicit pads instead");
      // PyTorch puts the odd pixel of an even total on the bottom/right.
      const th = dh * (kh - 1);
      const tw = dw * (kw - 1);
      pads = [th >> 1, tw >> 1, th - (th >> 1), tw - (tw >> 1)];
    } else if (typeof p === 'number') pads = [p, p, p, p];
    else pads = [...p];
    if (pads.length !== 4 || pads.some((v) => !Number.isInteger(v) || v < 0))
      throw new ShapeError(name, op, `padding must be non-negative integers [top, left, bottom, right], got ${shapeStr(pads)}`);
    return pads;
  }

  private poolAttrs(name: string, op: string, k: [number, number], opts: PoolOptions): Record<string, AttrValue> {
    const strides = pair(opts.stride ?? k);
    this.positive(name, op, { 'kernel height': k[0], 'kernel width': k[1], stride: Math.min(...strides) });
    const pads = this.pads(name, op, opts.padding ?? 0, k, strides, [1, 1]);
    return { kernel_shape: k, strides, pads, ceil_mode: opts.ceilMode ? 1 : 0 };
  }

  private hasBias(name: string, op: string, bias: boolean | undefined, data: Float32Array | undefined): boolean {
    if (bias === false && data) throw new ShapeError(name, op, 'biasData given but bias is false');
    return bias ?? true;
  }

  /** A learnable tensor: validated when given, else initialised from the PRNG. */
  private param(name: string, op: string, what: string, shape: Shape, data: Float32Array | undefined, fanIn: number): number {
    if (data) {
      this.checkLength(name, op, what, shape, data);
      return this.constant(`${name}.${what}`, shape, data);
    }
    const buf = new Float32Array(sizeOf(shape));
    if (this.init === 'kaiming') {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < buf.length; i++) buf[i] = (this.random() * 2 - 1) * bound;
    }
    return this.constant(`${name}.${what}`, shape, buf);
  }

  private checkLength(name: string, op: string, what: string, shape: Shape, data: Float32Array): void {
    if (!(data instanceof Float32Array))
      throw new ShapeError(name, op, `${what} must be a Float32Array`);
    if (data.length !== sizeOf(shape))
      throw new ShapeError(name, op, `${what} needs ${sizeOf(shape)} values (shape ${shapeStr(shape)}), got ${data.length}`);
  }

  private positive(name: string, op: string, values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values))
      if (!Number.isInteger(v) || v <= 0) throw new ShapeError(name, op, `${k} must be a positive integer, got ${v}`);
  }

  private unary(op: string, prefix: string, x: Ref, name?: string): Ref {
    const n = this.nameFor(name, prefix);
    this.check(x);
    return this.node(n, op, [x.id], {}, this.channels[x.id]);
  }

  private binary(op: string, prefix: string, a: Ref, b: Ref | number, name?: string): Ref {
    const n = this.nameFor(name, prefix);
    this.check(a);
    let bid: number;
    if (typeof b === 'number') bid = this.constant(`${n}.const`, [], Float32Array.of(b));
    else {
      this.check(b);
      const ca = this.channels[a.id];
      const cb = this.channels[b.id];
      if (ca !== undefined && cb !== undefined && ca !== cb && ca !== 1 && cb !== 1)
        throw new ShapeError(n, op, `channel counts ${ca} and ${cb} do not broadcast`);
      bid = b.id;
    }
    return this.node(n, op, [a.id, bid], {}, this.channels[a.id]);
  }

  private constant(name: string, shape: Shape, data: Float32Array): number {
    this.claim(name, 'Initializer');
    this.initializers.set(name, { shape: [...shape], data });
    return this.edge(name, undefined).id;
  }

  private node(name: string, op: string, inputs: number[], attrs: Record<string, AttrValue>, channels: number | undefined): Ref {
    this.claim(name, op);
    const out = this.edge(name, channels);
    this.nodes.push({ name, op, inputs, outputs: [out.id], attrs });
    return out;
  }

  private edge(name: string, channels: number | undefined): Ref {
    this.channels.push(channels);
    return { id: this.edges.push(name) - 1 };
  }

  private check(x: Ref, name?: string, op?: string, channels?: number): void {
    if (!x || typeof x.id !== 'number' || this.edges[x.id] === undefined || this.initializers.has(this.edges[x.id]!))
      throw new ShapeError(name ?? '?', op ?? '?', 'argument is not a value made by this builder');
    const c = this.channels[x.id];
    if (channels !== undefined && c !== undefined && c !== channels)
      throw new ShapeError(name!, op!, `expects ${channels} input channels but "${this.edges[x.id]}" has ${c}`);
  }

  private claim(name: string, what: string): void {
    if (name === '') throw new ShapeError(name, what, 'names must not be empty');
    if (this.used.has(name)) throw new ShapeError(name, what, `the name "${name}" is already used in this graph`);
    this.used.add(name);
  }

  private nameFor(given: string | undefined, prefix: string): string {
    if (given !== undefined) return given;
    let i = this.counters.get(prefix) ?? 0;
    // Skip numbers the user already took by hand.
    do i++;
    while (this.used.has(`${prefix}${i}`) || this.used.has(`${prefix}${i}.depthwise`));
    this.counters.set(prefix, i);
    return `${prefix}${i}`;
  }
}
