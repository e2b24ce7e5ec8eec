// POSE_DETECTOR and POSE_LANDMARKS against the graph @mediapipe/pose actually runs: its pose_web.binarypb and the
// subgraphs its wasm embeds, decoded by field number (the option protos' numbers: ssd_anchors_calculator.proto,
// tensors_to_detections_calculator.proto, image_to_tensor_calculator.proto, … of google-ai-edge/mediapipe).
import { describe, expect, it } from 'vitest';
import { POSE_DETECTOR, POSE_LANDMARKS } from '../src/tasks/params.js';
import { nodeOptions, subgraph, topGraph, value, values, type Field } from './support/mediapipe-graph.js';

const EXT = {
  imageToTensor: 334361939,
  ssdAnchors: 247258239,
  tensorsToDetections: 335742639,
  nms: 55383100,
  alignmentPointsRects: 262691807,
  rectTransformation: 262226312,
  tensorsToLandmarks: 335742640,
  refineFromHeatmap: 362281653,
  thresholding: 259990498,
  constantSidePacket: 291214597,
};
const one = (graph: Field[], calc: string, ext: number) => {
  const all = nodeOptions(graph, calc, ext);
  expect(all.length, `${calc} nodes`).toBeGreaterThan(0);
  return all[0]!;
};
const f32 = (x: number) => Math.fround(x);

describe('pose parameters = the graph @mediapipe/pose ships', () => {
  it('the top graph runs PoseLandmarkGpu with model_complexity 1 (pose_landmark_full)', () => {
    const top = topGraph();
    const nodes = top.filter((e) => e.f === 1).map((n) => n.sub!);
    expect(nodes.some((n) => value(n, 2) === 'PoseLandmarkGpu')).toBe(true);
    const complexity = nodes.find((n) => value(n, 1) === 'ConstantSidePacketCalculatorModelComplexity')!;
    const packet = (value(value(complexity, 7) as Field[], EXT.constantSidePacket) as Field[]);
    expect(value(value(packet, 1) as Field[], 1)).toBe(1);
  });

  it('PoseDetectionGpu: letterbox 224² [-1, 1] zero border, anchors, decoding, weighted NMS', () => {
    const g = subgraph('PoseDetectionGpu');
    const it2t = one(g, 'ImageToTensorCalculator', EXT.imageToTensor);
    const d = POSE_DETECTOR;
    expect([value(it2t, 1), value(it2t, 2), value(it2t, 3), value(it2t, 6)]).toEqual([d.anchors.inputWidth, d.anchors.inputHeight, d.resize === 'letterbox' ? 1 : 0, 1]);
    const range = value(it2t, 4) as Field[];
    expect([value(range, 1), value(range, 2)]).toEqual([...d.range]);
    const a = one(g, 'SsdAnchorsCalculator', EXT.ssdAnchors);
    expect([1, 2, 3, 4, 5, 6].map((f) => value(a, f))).toEqual([d.anchors.inputWidth, d.anchors.inputHeight, f32(d.anchors.minScale), f32(d.anchors.maxScale), d.anchors.anchorOffsetX, d.anchors.anchorOffsetY]);
    expect(values(a, 10)).toEqual([...d.anchors.strides]);
    expect(value(a, 7)).toBe(d.anchors.strides.length);
    expect(values(a, 11)).toEqual([...d.anchors.aspectRatios]);
    // interpolated_scale_aspect_ratio (13) unset: its default 1.0
    expect([value(a, 13) ?? 1, value(a, 14) === 1]).toEqual([d.anchors.interpolatedScaleAspectRatio, d.anchors.fixedAnchorSize]);
    const t = one(g, 'TensorsToDetectionsCalculator', EXT.tensorsToDetections);
    const dec = d.decode;
    expect([2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 16, 19].map((f) => value(t, f) ?? 0)).toEqual(
      [dec.numBoxes, dec.numCoords, dec.xScale, dec.yScale, dec.wScale, dec.hScale, dec.keypointCoordOffset, dec.numKeypoints, dec.numValuesPerKeypoint, dec.boxCoordOffset, dec.scoreClippingThresh, dec.minScoreThresh]);
    // reverse_output_order (14) and sigmoid_score (15) set
    expect([value(t, 14), value(t, 15)]).toEqual([1, 1]);
    const nms = one(g, 'NonMaxSuppressionCalculator', EXT.nms);
    // min_suppression_threshold, overlap_type INTERSECTION_OVER_UNION (3), algorithm WEIGHTED (1)
    expect([value(nms, 3), value(nms, 4), value(nms, 7)]).toEqual([f32(d.nmsIou), 3, 1]);
  });

  it.each([['PoseDetectionToRoi', POSE_LANDMARKS.fromDetection], ['PoseLandmarksToRoi', POSE_LANDMARKS.fromLandmarks]] as const)('%s: alignment points, target angle, scale, square_long', (name, roi) => {
    const g = subgraph(name);
    const al = one(g, 'AlignmentPointsRectsCalculator', EXT.alignmentPointsRects);
    expect([value(al, 1) ?? 0, value(al, 2) ?? 0, value(al, 4)]).toEqual([roi.startKeypoint, roi.endKeypoint, (roi.targetAngle * 180) / Math.PI]);
    const rt = one(g, 'RectTransformationCalculator', EXT.rectTransformation);
    expect([value(rt, 1), value(rt, 2), value(rt, 7)]).toEqual([roi.scale, roi.scale, 1]);
  });

  it('PoseLandmarkByRoiGpu: the crop 256², [0, 1], keep_aspect_ratio, border unset (replicate)', () => {
    const it2t = one(subgraph('PoseLandmarkByRoiGpu'), 'ImageToTensorCalculator', EXT.imageToTensor);
    const p = POSE_LANDMARKS;
    expect([value(it2t, 1), value(it2t, 2), value(it2t, 3), value(it2t, 6)]).toEqual([p.inputSize, p.inputSize, 1, undefined]);
    const range = value(it2t, 4) as Field[];
    expect([value(range, 1), value(range, 2)]).toEqual([...p.range]);
  });

  it('TensorsToPoseLandmarksAndSegmentation: 39 landmarks, sigmoid, heatmap kernel 7, pose flag 0.5', () => {
    const g = subgraph('TensorsToPoseLandmarksAndSegmentation');
    const p = POSE_LANDMARKS;
    const tl = one(g, 'TensorsToLandmarksCalculator', EXT.tensorsToLandmarks);
    // visibility_activation and presence_activation SIGMOID (1)
    expect([1, 2, 3, 7, 8].map((f) => value(tl, f))).toEqual([p.numLandmarks, p.inputSize, p.inputSize, 1, 1]);
    const refine = one(g, 'RefineLandmarksFromHeatmapCalculator', EXT.refineFromHeatmap);
    // min_confidence_to_refine (2) unset: its proto default 0.5
    expect([value(refine, 1), value(refine, 2) ?? 0.5]).toEqual([p.heatmapKernel, p.minConfidenceToRefine]);
    expect(value(one(g, 'ThresholdingCalculator', EXT.thresholding), 1)).toBe(p.presenceThreshold);
  });
});
