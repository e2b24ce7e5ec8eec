import { reduceOp } from './reduce.js';

/** Maximum over `axes` (attribute before opset 18, constant input 1 from 18; TF's Max); NaN wins. */
export const ReduceMax = reduceOp('ReduceMax', 'max');
