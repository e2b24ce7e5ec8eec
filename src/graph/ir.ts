import type { Shape, Tensor } from '../tensor.js';

/** An integer tensor (ONNX int64/int32/bool), held exactly as doubles; used only for constants and shape arithmetic. */
export interface IntTensor {
  readonly shape: Shape;
  readonly ints: Float64Array;
}

/** Anything that can flow along a graph edge: activations are always float32 Tensors. */
export type Value = Tensor | IntTensor;

export function isInt(v: Value): v is IntTensor {
  return (v as IntTensor).ints !== undefined;
}

/** A float constant, or undefined for an absent or integer one. */
export function floatConst(v: Value | undefined): Tensor | undefined {
  return v && !isInt(v) ? v : undefined;
}

export function intTensor(shape: Shape, ints: ArrayLike<number>): IntTensor {
  return { shape: [...shape], ints: Float64Array.from(ints) };
}

export type AttrValue = number | string | number[] | string[] | Value;

export interface Node {
  readonly name: string;
  readonly op: string;
  /** Edge names; '' marks an omitted optional input. */
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** A declared graph input; dims may be symbolic (strings) until a concrete input is given. */
export interface GraphInput {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

export interface Graph {
  readonly name: string;
  readonly inputs: GraphInput[];
  readonly outputs: string[];
  /** Nodes; `resolve` puts them in topological order and rejects cycles. */
  readonly nodes: Node[];
  /** Weights and other constants (ONNX initializers). */
  readonly initializers: Map<string, Value>;
  readonly opset: number;
}
