/**
 * Shared lowering of TensorFlow (NHWC) ops onto the engine's graph (NCHW-logical, ONNX semantics), used by the
 * TF.js (src/tfjs) and TFLite (src/tflite) importers.
 *
 * Usage:
 *   const b = new TfBuilder('model');
 *   const x = b.input('input', [1, 224, 224, 3]);                 // concrete TF shape, kept NHWC at the API
 *   const w = b.constant('w', [3, 3, 3, 16], data);               // constants in TF layout (float32 or int32)
 *   let y = conv2d(b, 'conv1', x, w, bias, { strides: [2, 2], padding: 'SAME', activation: { kind: 'relu6' } });
 *   y = depthwiseConv2d(b, 'dw', y, dw, dwBias, { padding: 'SAME' });
 *   y = reduce(b, 'pool', 'Mean', y, [1, 2], false);
 *   const graph = b.finish([{ name: 'out', tensor: y }]);           // outputs back in TF layout
 *
 * Every function takes the builder, `base` (the TF node's name: error messages and edge names derive from it)
 * and TfTensors, and returns TfTensors. A TfTensor carries its TF shape and its layout: 4-D results of
 * layout-sensitive ops (conv, pool, resize, depth-to-space, batch norm, pad/concat/slice/reduce of such
 * results) are held NCHW; the first consumer that needs TF order (Reshape, Squeeze, Gather, MatMul, a graph
 * output…) gets one Transpose per tensor (a free Reshape when only unit dims move). Graph inputs are NHWC;
 * their NHWC→NCHW Transpose and the outputs' NCHW→NHWC Transpose are elided by the GPU executor, whose physical
 * layout of a 4-D tensor is NHWC already.
 *
 * Every emitted engine node is checked by the engine op's shape rule at once (errors are ShapeError naming the
 * TF node) and folded when its inputs are constants, so Shape/StridedSlice/Pack chains become constants and
 * `b.constInts(t)` can read them. `b.valueOf(t)` gives a constant's value in TF layout.
 *
 * Filters: conv2d takes HWIO (TF) or OHWI (TFLite, `filterLayout: 'OHWI'`); depthwiseConv2d HWCM (TF) or 1HWO
 * (TFLite, `filterLayout: '1HWO'`); transposeConv2d HWOI (TF) or OHWI (TFLite). Padding is 'SAME', 'VALID' or
 * `{ explicit: [[top, bottom], [left, right]] }`. Fused activations (`TfActivation`): relu, relu6, reluN1To1,
 * sigmoid, tanh, hardSwish, elu, leakyRelu, prelu (slope tensor broadcast like TF).
 */
export { TfBuilder, TF_OPSET, engineAxis, engineShape, type TfDtype, type TfTensor } from './builder.js';
export { activate, NONE, type TfActivation } from './activation.js';
export { conv2d, depthwiseConv2d, transposeConv2d, pool, windowPads, type ConvOpts, type PoolOpts, type TfPadding, type WindowOpts } from './conv.js';
export { alignOperands, BINARY, binary, cast, clip, floorDiv, nary, reshapeTo, rsqrt, select, square, squaredDifference, unary, type BinaryOp, type UnaryOp } from './elementwise.js';
export { constantLike, fill, range, sparseToDense } from './generate.js';
export { split, splitV, tile } from './split-tile.js';
export { topK } from './topk.js';
export { batchNorm, biasAdd } from './norm.js';
export { matmul, type MatMulOpts } from './matmul.js';
export { argMax, ENGINE_REDUCE, reduce, softmax, type ReduceKind } from './reduce.js';
export { depthToSpace, resize, resizeAttrs, type ResizeOpts } from './resize.js';
export {
  concat,
  expandDims,
  gather,
  gatherNd,
  pack,
  pad,
  reshape,
  slice,
  squeeze,
  stridedSlice,
  transpose,
  unpack,
  type StridedSliceMasks,
} from './shape-ops.js';
