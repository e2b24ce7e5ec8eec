import { binaryOp, rowsOf, type BinaryFn } from './broadcast.js';

/** a mod b with the sign of b (TF FloorMod, Python %): TF.js's formula, (a % b + b) % b when the signs differ. */
export const floorMod: BinaryFn = (a, b) => {
  const r = a % b;
  return (a < 0 && b < 0) || (a >= 0 && b >= 0) ? r : (r + b) % b;
};

export const FloorMod = binaryOp('FloorMod', floorMod, rowsOf(floorMod));
