import { binaryOp, rowsOf } from './broadcast.js';
import { unaryOp } from './unary.js';

export const Sin = unaryOp('Sin', () => null, (x) => Math.sin(x));
export const Cos = unaryOp('Cos', () => null, (x) => Math.cos(x));
/** atan2(a, b) with broadcasting: the angle of the point (b, a), in (-π, π] (TF Atan2). */
export const Atan2 = binaryOp('Atan2', Math.atan2, rowsOf(Math.atan2));
