/** NHWC → NCHW: engine dim i is TF dim NCHW_PERM[i]. */
export const NCHW_PERM = [0, 3, 1, 2] as const;
/** NCHW → NHWC: TF dim i is engine dim NHWC_PERM[i]. */
export const NHWC_PERM = [0, 2, 3, 1] as const;
/** Engine axis of each NHWC axis of a 4-D tensor held as NCHW (the inverse of NCHW_PERM). */
export const NCHW_AXIS = NHWC_PERM;

export function permute<T>(xs: readonly T[], perm: readonly number[]): T[] {
  return perm.map((p) => xs[p]!);
}

/** [pad_before..., pad_after...] in ONNX order from TF's [[before, after] per dim], dims permuted by `perm`. */
export function onnxPads(pairs: readonly (readonly [number, number])[], perm?: readonly number[]): number[] {
  const p = perm ? permute(pairs, perm) : [...pairs];
  return [...p.map((x) => x[0]), ...p.map((x) => x[1])];
}
