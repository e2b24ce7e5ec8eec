import { ShapeError } from '../errors.js';
import type { AttrValue, Node, Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import type { Shape, Tensor } from '../tensor.js';

export interface Cost {
  /** Learnable parameters held by the node (weights + bias). */
  params: number;
  /** Multiply-accumulates, counted as torchinfo counts them (conv: param count × output pixels × batch). */
  macs: number;
}

/** What an op sees while it is being resolved at load time. */
export class NodeCtx {
  constructor(
    readonly node: Node,
    readonly inputShapes: readonly (Shape | undefined)[],
    private readonly constants: readonly (Value | undefined)[],
    /** The model's default-domain opset; some ops (Softmax, Split, Squeeze…) changed semantics across opsets. */
    readonly opset = 17,
  ) {}

  error(message: string): ShapeError {
    return new ShapeError(this.node.name, this.node.op, message);
  }

  has(i: number): boolean {
    return (this.node.inputs[i] ?? '') !== '';
  }

  /** Shape of input i; throws a ShapeError naming the node when the input is missing. */
  shape(i: number): Shape {
    const s = this.inputShapes[i];
    if (s === undefined) throw this.error(`input ${i} is required`);
    return s;
  }

  /** The value of input i when it is known at load time (initializer or folded constant). */
  constant(i: number): Value | undefined {
    return this.constants[i];
  }

  /** Integer values of a constant input (e.g. Reshape's shape); throws if it is not constant. */
  constInts(i: number, what: string): number[] | undefined {
    if (!this.has(i)) return undefined;
    const v = this.constants[i];
    if (v === undefined) throw this.error(`${what} (input ${i}) must be a constant known at load time`);
    return Array.from(isInt(v) ? v.ints : v.data);
  }

  constFloat(i: number, what: string): number | undefined {
    if (!this.has(i)) return undefined;
    const v = this.constants[i];
    if (v === undefined) throw this.error(`${what} (input ${i}) must be a constant known at load time`);
    const arr = isInt(v) ? v.ints : v.data;
    if (arr.length !== 1) throw this.error(`${what} must be a scalar, got ${arr.length} values`);
    return arr[0]!;
  }

  private attr(name: string): AttrValue | undefined {
    return this.node.attrs[name];
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const v = this.attr(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.error(`attribute ${name} must be an integer`);
    return v;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    const v = this.attr(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number') throw this.error(`attribute ${name} must be a number`);
    return v;
  }

  ints(name: string, fallback: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, fallback?: number[]): number[] | undefined {
    const v = this.attr(name);
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x)))
      throw this.error(`attribute ${name} must be a list of integers`);
    return v as number[];
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const v = this.attr(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw this.error(`attribute ${name} must be a string`);
    return v;
  }

  tensorAttr(name: string): Value | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.error(`attribute ${name} must be a tensor`);
    return v as Value;
  }
}

/**
 * One operator: its attributes, shape rule, cost and reference kernel, side by side.
 * `A` is the parsed, validated attribute record; kernels never re-read the raw node.
 */
export interface OpDef<A = unknown> {
  readonly op: string;
  /** Reads and validates attributes and load-time constant inputs; throws ShapeError via ctx.error. */
  parse(ctx: NodeCtx): A;
  /** Output shapes from input shapes (ctx available for errors and constant inputs). */
  outputShapes(ctx: NodeCtx, attrs: A): Shape[];
  /** Parameters and mult-adds; omitted means zero for both. */
  cost?(inputShapes: readonly Shape[], outputShapes: readonly Shape[], attrs: A): Cost;
  /**
   * Outputs that depend only on input shapes (Shape): when present, the resolver folds the node at load time
   * even though its inputs are runtime activations.
   */
  foldFromShapes?(ctx: NodeCtx, attrs: A): Value[];
  /** Plain, obviously-right kernel: the oracle for every faster path (the CPU backend's are in src/cpu/kernels.ts). */
  reference(inputs: readonly Value[], attrs: A): Value[];
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** Narrow an edge value to float32, naming the node when an integer tensor shows up at runtime. */
export function asFloat(v: Value | undefined, what = 'input'): Tensor {
  if (v === undefined) throw new TypeError(`${what} is missing`);
  if (isInt(v)) return { shape: v.shape, data: Float32Array.from(v.ints) };
  return v;
}
