import { reduceOp } from './reduce.js';

/** Product over `axes` (attribute until opset 18; TF's Prod). The reference multiplies in float64. */
export const ReduceProd = reduceOp('ReduceProd', 'prod');
