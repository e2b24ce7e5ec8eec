import type { OpDef } from './types.js';
import { Conv } from './conv.js';
import { BatchNormalization } from './batchnorm.js';
import { Gemm } from './gemm.js';
import { MatMul } from './matmul.js';
import { MaxPool } from './maxpool.js';
import { AveragePool } from './averagepool.js';
import { GlobalAveragePool } from './globalaveragepool.js';
import { ReduceMean } from './reducemean.js';
import { Relu } from './relu.js';
import { Clip } from './clip.js';
import { Sigmoid } from './sigmoid.js';
import { HardSigmoid } from './hardsigmoid.js';
import { HardSwish } from './hardswish.js';
import { Add } from './add.js';
import { Sub } from './sub.js';
import { Mul } from './mul.js';
import { Div } from './div.js';
import { Flatten } from './flatten.js';
import { Reshape } from './reshape.js';
import { Transpose } from './transpose.js';
import { Concat } from './concat.js';
import { Split } from './split.js';
import { Slice } from './slice.js';
import { Softmax } from './softmax.js';
import { Pad } from './pad.js';
import { Identity, Dropout } from './identity.js';
import { Shape } from './shape.js';
import { Gather } from './gather.js';
import { Constant } from './constant.js';
import { ConstantOfShape } from './constantofshape.js';
import { Cast } from './cast.js';
import { Unsqueeze } from './unsqueeze.js';
import { Squeeze } from './squeeze.js';
import { FusedDwPw } from './dwpw.js';
import { Abs } from './abs.js';
import { Neg } from './neg.js';
import { Sqrt } from './sqrt.js';
import { Reciprocal } from './reciprocal.js';
import { Exp } from './exp.js';
import { Tanh } from './tanh.js';
import { Floor } from './floor.js';
import { Elu } from './elu.js';
import { LeakyRelu } from './leakyrelu.js';
import { PRelu } from './prelu.js';
import { Max } from './max.js';
import { Min } from './min.js';
import { Resize } from './resize.js';
import { ConvTranspose } from './convtranspose.js';
import { DepthToSpace } from './depthtospace.js';
import { SpaceToDepth } from './spacetodepth.js';
import { ReduceSum } from './reducesum.js';
import { ReduceMax } from './reducemax.js';
import { ReduceMin } from './reducemin.js';
import { ArgMax, ArgMin } from './argmax.js';
import { GatherND } from './gathernd.js';
import { Log } from './log.js';
import { Ceil } from './ceil.js';
import { Gelu } from './gelu.js';
import { Round } from './round.js';
import { Sign } from './sign.js';
import { Pow } from './pow.js';
import { And, Equal, Greater, GreaterOrEqual, Less, LessOrEqual, NotEqual, Or } from './compare.js';
import { Not } from './not.js';
import { Atan2, Cos, Sin } from './trig.js';
import { FloorMod } from './floormod.js';
import { Where } from './where.js';
import { TopK } from './topk.js';
import { ReduceProd } from './reduceprod.js';
import { TransformTensorBilinear } from './transformtensorbilinear.js';
import { Landmarks2TransformMatrix } from './landmarkstotransformmatrix.js';

/** Every operator the engine knows, by ONNX op_type. */
export const OPS: ReadonlyMap<string, OpDef<any>> = new Map(
  [
    Conv, BatchNormalization, Gemm, MatMul, MaxPool, AveragePool, GlobalAveragePool, ReduceMean,
    Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Add, Sub, Mul, Div,
    Flatten, Reshape, Transpose, Concat, Split, Slice, Softmax, Pad, Identity, Dropout,
    Shape, Gather, Constant, ConstantOfShape, Cast, Unsqueeze, Squeeze,
    FusedDwPw,
    Abs, Neg, Sqrt, Reciprocal, Exp, Tanh, Floor, Elu, LeakyRelu, PRelu, Max, Min, Resize,
    ConvTranspose, DepthToSpace, SpaceToDepth, ReduceSum, ReduceMax, ReduceMin, ArgMax, ArgMin, GatherND,
    Log, Ceil, Gelu, Round, Sign, Pow,
    Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Not, Sin, Cos, Atan2, FloorMod, Where, TopK, ReduceProd,
    TransformTensorBilinear, Landmarks2TransformMatrix,
  ].map((d: OpDef<any>) => [d.op, d]),
);
