/**
 * The geometry block the conv kernels (c/conv.c conv_params, c/convt.c convt_params) read first, field for field,
 * and the C struct packing both use: int32 fields, then f32 fields where given, in declaration order, as a
 * Float32Array for ctx.weights.
 */
export interface ConvGeometry {
  h: number; w: number; cin: number; ho: number; wo: number; cout: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
  groups: number; cpg: number; opg: number; panels: number;
}

/** The geometry of a conv-like node from its window attributes and its input and output shapes (NCHW). */
export function convGeometry(
  a: { kernel: readonly number[]; strides: readonly number[]; dilations: readonly number[]; pads: readonly number[]; group: number },
  x: readonly number[], y: readonly number[], panels: (opg: number) => number,
): ConvGeometry {
  const opg = y[1]! / a.group;
  return {
    h: x[2]!, w: x[3]!, cin: x[1]!, ho: y[2]!, wo: y[3]!, cout: y[1]!, kh: a.kernel[0]!, kw: a.kernel[1]!,
    sh: a.strides[0]!, sw: a.strides[1]!, dh: a.dilations[0]!, dw: a.dilations[1]!, pt: a.pads[0]!, pl: a.pads[1]!,
    groups: a.group, cpg: x[1]! / a.group, opg, panels: panels(opg),
  };
}

const GEOMETRY_FIELDS: readonly (keyof ConvGeometry)[] =
  ['h', 'w', 'cin', 'ho', 'wo', 'cout', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl', 'groups', 'cpg', 'opg', 'panels'];

/** A field of a packed struct: an int32 (plain number) or an f32. */
export type Field = number | { f32: number };

export function packStruct(fields: readonly Field[]): Float32Array {
  const out = new Float32Array(fields.length);
  const ints = new Int32Array(out.buffer);
  fields.forEach((v, i) => {
    if (typeof v === 'number') ints[i] = v;
    else out[i] = v.f32;
  });
  return out;
}

export function geometryFields(g: ConvGeometry): number[] {
  return GEOMETRY_FIELDS.map((k) => g[k]);
}

/** Int32 values as a Float32Array of the same bits (tables packed beside the weights). */
export function int32Bits(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  new Int32Array(out.buffer).set(Array.from(values));
  return out;
}
