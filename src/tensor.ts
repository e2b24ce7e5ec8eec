export type Shape = readonly number[];

/** A dense float32 tensor in row-major (C) order; NCHW for images. */
export interface Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

/** An int32 tensor at the API (TF.js models such as MoveNet take int32 pixels); the engine computes in float32. */
export interface Int32Tensor {
  readonly shape: Shape;
  readonly data: Int32Array;
}

/** Largest element count accepted for one tensor; keeps every index inside int32 and allocations bounded. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: Shape, data?: Float32Array | ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  const buf = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (buf.length !== n) throw new RangeError(`tensor of shape [${shape.join(', ')}] needs ${n} values, got ${buf.length}`);
  return { shape: [...shape], data: buf };
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
