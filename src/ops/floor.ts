import { unaryOp } from './unary.js';

/** ⌊x⌋ (TF's FloorDiv lowers to Floor(Div)). */
export const Floor = unaryOp('Floor', () => null, (x) => Math.floor(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.floor(x[i]!);
});
