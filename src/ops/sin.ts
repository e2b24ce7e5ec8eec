import { unaryOp } from './unary.js';

/** sin x. */
export const Sin = unaryOp('Sin', () => null, (x) => Math.sin(x));
