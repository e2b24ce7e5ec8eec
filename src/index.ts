/// <reference types="@webgpu/types" />
// The public API (the browser entry; src/node.ts adds Dawn for Node).
export { load, chooseBackend, type Backend, type LoadOptions, type Model, type ModelInput, type ModelSource, type RunStats } from './model.js';
export type { DynamicModel, ShapeCacheStats } from './dynamic-model.js';
export type { Int32Tensor } from './tensor.js';
export type { IoInfo } from './tfjs/import.js';
export { detectFeatures, detectWasmSimd, detectThreads, detectOffscreenCanvas, detectVideoFrameCallback, detectWebGpu, type Feature, type Features } from './features.js';
export { validate, formatValidation, compareTensors, DEFAULT_TOLERANCE, type ValidationReport, type LayerReport, type Tolerance } from './validate.js';
export { GraphBuilder } from './builder.js';
export { summary } from './summary/summary.js';
export { formatSummary } from './summary/format.js';
export { compareLayer, compareNetwork, formatCompare } from './summary/compare.js';
export { loadOnnx } from './onnx/import.js';
export { encodeOnnx } from './onnx/export.js';
export { readNpy, writeNpy } from './io/npy.js';
export { requestGpu, acquireGpu, setGpuSource, type GpuSource, type GpuContext, type AdapterSummary } from './gpu/device.js';
export { GpuExecutor } from './gpu/executor.js';
export type { LayerProfile } from './engine.js';
export { resolve } from './graph/resolve.js';
export { optimize } from './graph/optimize.js';
export { runCpu } from './cpu/run.js';
export * from './errors.js';
export type { Tensor, Shape } from './tensor.js';
export type { Graph, Node } from './graph/ir.js';
export * from './vision/index.js';
export * from './tasks/index.js';
