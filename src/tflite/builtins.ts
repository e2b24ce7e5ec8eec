import { BUILTINS, type Lowering } from './ops.js';
import { MATH_BUILTINS } from './ops-math.js';
import { TENSOR_BUILTINS } from './ops-tensor.js';
import { BuiltinOperator, BuiltinOperator as Op } from './schema/tflite_generated.js';

/** Every builtin operator the importer lowers, by BuiltinOperator code (docs/TFLITE_OPS.md is generated from it). */
export const ALL_BUILTINS: Partial<Record<BuiltinOperator, Lowering>> = { ...BUILTINS, ...TENSOR_BUILTINS, ...MATH_BUILTINS };

/** What a supported builtin still refuses (each a typed error at load), for docs/TFLITE_OPS.md. */
export const BUILTIN_LIMITS: Partial<Record<BuiltinOperator, string>> = {
  [Op.DEQUANTIZE]: 'constants (float16, int8/uint8/int16 weights) are folded at load; a runtime int8/uint8 tensor is handled by the quantization pass (src/tflite/quant.ts)',
  [Op.DENSIFY]: 'constants only (the sparse weights are densified when the file is read)',
  [Op.FULLY_CONNECTED]: 'default weights format only (not shuffled int8)',
  [Op.GATHER]: 'batch_dims 0',
  [Op.MIRROR_PAD]: 'REFLECT only (SYMMETRIC is refused)',
  [Op.CONCATENATION]: 'fused activations NONE, RELU, RELU6, RELU_N1_TO_1, TANH (as for every fused activation)',
  [Op.CAST]: 'to float32, int32, int64 (held as int32) or bool',
};
