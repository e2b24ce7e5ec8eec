import { reduceOp, type ReduceAttrs } from './reduce.js';

export type ReduceMeanAttrs = ReduceAttrs;

/** Mean over `axes` (attribute before opset 18, constant input 1 from opset 18); all axes when none given. */
export const ReduceMean = reduceOp('ReduceMean', 'mean');
