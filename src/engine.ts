// What model.ts, gpu-model.ts and both backends share, below all of them: the backend names, the adapter summary,
// the per-layer profile and the model interface each backend implements.
import type { ResolvedGraph } from './graph/resolve.js';
import type { RunStats } from './run-stats.js';
import type { Tensor } from './tensor.js';

export type Backend = 'webgpu' | 'cpu';

/** What the engine needs to know about the adapter it got. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (SwiftShader, llvmpipe, WARP) or an adapter flagged isFallbackAdapter. */
  isSoftware: boolean;
  features: string[];
  limits: Record<string, number>;
  /** The smallest subgroup size the adapter may run (GPUAdapterInfo.subgroupMinSize; WebGPU's floor, 4, when unreported). */
  subgroupMinSize: number;
}

export interface LayerProfile {
  /** GPU timestamps, wall-clock around a submit per node, or the CPU path's per-node time. */
  source: 'timestamp-query' | 'wall-clock' | 'cpu';
  layers: { node: string; op: string; ms: number }[];
}

/** A backend's model (CPU in-thread or in a worker, WebGPU): float32 tensors in the engine's own layout. */
export interface EngineModel {
  readonly backend: Backend;
  /** Why this backend was chosen (and, after a device loss, that the CPU took over). */
  readonly reason: string;
  readonly adapter?: AdapterSummary;
  readonly graph: ResolvedGraph;
  readonly stats: Readonly<RunStats>;
  run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>>;
  /** One run with per-layer times (GPU timestamps where the adapter has them). */
  profile(inputs: Record<string, Tensor | Float32Array>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }>;
  /**
   * Resolves once later runs use the model's steady kernels. On WebGPU the first results run kernels that compile
   * fast, and the exact ones compile after the model's third call; this starts them now (a video app may call it
   * right after its first frame). At once on the CPU, and once a lost device has handed the model to the CPU.
   */
  settled(): Promise<void>;
  dispose(): void;
}
