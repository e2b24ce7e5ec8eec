/**
 * The WGSL expression `values[index]` for a loop index `index` (a u32 expression), as a chain of selects: the
 * first-call kernels' store loops (Gemm4Plan.LOOP) pick their accumulators this way because an array indexed in a
 * loop lives in memory on SwiftShader, each access a per-lane gather.
 */
export function pick(index: string, values: readonly string[]): string {
  return values.slice(0, -1).reduceRight((e, v, k) => `select(${e}, ${v}, ${index} == ${k}u)`, values[values.length - 1]!);
}
