import { reduceOp } from './reduce.js';

/** Minimum over `axes` (attribute before opset 18, constant input 1 from 18; TF's Min); NaN wins. */
export const ReduceMin = reduceOp('ReduceMin', 'min');
