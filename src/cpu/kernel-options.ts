/** Choices a CPU run passes down to its kernels (runCpu's options): tests and benchmarks set them. */
export interface KernelOptions {
  /** The WebAssembly SIMD kernels where they load (default true); false: the JavaScript kernels (what engines without SIMD get). */
  wasm?: boolean;
  /** Regular and grouped convs as implicit GEMM on the wasm kernels (conv-igemm.ts; default true); false: im2col + GEMM. */
  igemm?: boolean;
  /** How fused conv chains split over threads (conv-fast.ts convChainFast). */
  chain?: ChainOptions;
}

export interface ChainOptions {
  /** Over bands of output rows (chain-bands.ts; default true), or kernel by kernel (each split over the threads on its own). */
  bands?: boolean;
  /** Bands on one thread too (default: only on a team). */
  oneThread?: boolean;
  /** Overrides of chain-bands.ts's defaults. */
  bandBytes?: number;
  maxRedone?: number;
  /** When given, counts the images computed over bands. */
  stats?: { banded: number };
}
