// What load() returns, apart from load() itself (so modules model.ts imports can name these types).
import type { EngineModel, LayerProfile } from './engine.js';
import type { Int32Tensor, Tensor } from './tensor.js';
import type { IoInfo } from './tfjs/import.js';

/** What `run` accepts per input: float32 data or int32 data (as a tensor, or bare data of the declared shape). */
export type ModelInput = Tensor | Float32Array | Int32Tensor | Int32Array;

/** What load() returns: a backend's model with the source format's I/O description, int32 in and out. */
export interface Model extends Omit<EngineModel, 'run' | 'profile'> {
  /** 'tfjs' and 'tflite' models keep TF's NHWC layout at the API; 'onnx' (and Graph) models NCHW. */
  readonly format: 'onnx' | 'tfjs' | 'tflite';
  /** Inputs and outputs with their shapes and dtypes as the source format reports them (names in model order). */
  readonly inputs: readonly IoInfo[];
  readonly outputs: readonly IoInfo[];
  /** Every output as float32 (int32 outputs hold exact integers). */
  run(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor>>;
  /** Like run, with int32 outputs returned as Int32Tensors. */
  predict(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor | Int32Tensor>>;
  /** One run with per-layer times (GPU timestamps where the adapter has them). */
  profile(inputs: Record<string, ModelInput>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }>;
}

export interface ModelIo {
  readonly format: 'onnx' | 'tfjs' | 'tflite';
  readonly inputs: readonly IoInfo[];
  readonly outputs: readonly IoInfo[];
}

