import { reduceOp } from './reduce.js';

/** Sum over `axes` (attribute before opset 13, constant input 1 from opset 13; TF's Sum). */
export const ReduceSum = reduceOp('ReduceSum', 'sum');
