import type { GpuProgram } from '../program.js';
import { convGpu } from './conv.gpu.js';
import { gemmGpu } from './gemm.gpu.js';
import { unaryGpu } from './unary.gpu.js';
import { binaryGpu } from './binary.gpu.js';
import { batchnormGpu } from './batchnorm.gpu.js';
import { poolGpu } from './pool.gpu.js';
import { reduceGpu } from './reduce.gpu.js';
import { copyGpu } from './copy.gpu.js';
import { softmaxGpu } from './softmax.gpu.js';
import { padGpu } from './pad.gpu.js';
import { dwPwGpu } from './dwpw.gpu.js';
import { resizeGpu } from './resize.gpu.js';
import { convTransposeGpu } from './convtranspose.gpu.js';
import { depthToSpaceGpu } from './depthtospace.gpu.js';
import { gatherGpu } from './gather.gpu.js';
import { whereGpu } from './where.gpu.js';
import { topkGpu } from './topk.gpu.js';
import { transformTensorBilinearGpu } from './transformtensorbilinear.gpu.js';
import { landmarksToMatrixGpu } from './landmarkstotransformmatrix.gpu.js';

/** GPU programs by ONNX op_type; each lives in src/gpu/programs/<op>.gpu.ts (the op itself in src/ops/<op>.ts) and exports [op, program] pairs. */
export const GPU_PROGRAMS: ReadonlyMap<string, GpuProgram> = new Map<string, GpuProgram>([
  ...convGpu, ...gemmGpu, ...unaryGpu, ...binaryGpu, ...batchnormGpu, ...poolGpu, ...reduceGpu, ...copyGpu,
  ...softmaxGpu, ...padGpu, ...dwPwGpu, ...resizeGpu, ...convTransposeGpu, ...depthToSpaceGpu,
  ...gatherGpu, ...whereGpu, ...topkGpu, ...transformTensorBilinearGpu, ...landmarksToMatrixGpu,
]);
