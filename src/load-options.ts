import type { CpuOptions } from './cpu/backend.js';
import type { Backend } from './engine.js';
import type { GpuContext } from './gpu/device.js';
import type { Shape } from './tensor.js';
import type { ProgressFn } from './formats.js';

export interface LoadOptions extends CpuOptions {
  backend?: Backend | 'auto';
  /** Concrete shapes for inputs with symbolic dims (e.g. batch). */
  inputShapes?: Record<string, Shape>;
  /** Use an existing device instead of requesting one. */
  gpu?: GpuContext;
  /** Fold BatchNorm, fuse activations, drop Identity (default true). */
  optimize?: boolean;
  /**
   * A GPU run that fails while the device is NOT lost is a bug, not an outage: 'throw' (the default) rejects with
   * a GpuError naming the node; 'cpu' answers that run on the CPU instead and counts it in `stats.gpuErrors`.
   */
  onGpuError?: 'throw' | 'cpu';
  /**
   * Called as the model downloads, with bytes loaded and the total: for a TF.js model.json the weight shards (the
   * manifest's total); for an .onnx, .tflite or .task URL or path the file itself (Content-Length, 0 if unknown).
   */
  onProgress?: ProgressFn;
  /** .task bundles (MediaPipe Tasks' zip of models): the path inside the archive of the .tflite to run, when it holds several. */
  taskEntry?: string;
}
