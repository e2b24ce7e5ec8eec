/**
 * TF.js graph models (model.json + binary weight shards) → the engine's graph, via the shared TF lowering in
 * src/tf. Inputs and outputs stay NHWC at the API, as TF.js reports them.
 */
export { importTfjs, tfjsToGraph, checkTfjsOps, type IoInfo, type TfjsGraph, type TfjsImportOptions } from './import.js';
export { parseModelJson, type ModelJson } from './model-json.js';
export { decodeWeights } from './weights.js';
export { fetchTfjs, isTfjsInMemory, shardsFromMemory, type TfjsInMemory, type ProgressFn } from './source.js';
export { TFJS_OPS } from './ops.js';
