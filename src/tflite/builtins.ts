import { BUILTINS, type Lowering } from './ops.js';
import { MATH_BUILTINS } from './ops-math.js';
import { TENSOR_BUILTINS } from './ops-tensor.js';
import type { BuiltinOperator } from './schema/tflite_generated.js';

/** Every builtin operator the importer lowers, by BuiltinOperator code (docs/TFLITE_OPS.md is generated from it). */
export const ALL_BUILTINS: Partial<Record<BuiltinOperator, Lowering>> = { ...BUILTINS, ...TENSOR_BUILTINS, ...MATH_BUILTINS };
