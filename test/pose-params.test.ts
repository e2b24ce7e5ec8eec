// POSE_DETECTOR and POSE_LANDMARKS against the graph @mediapipe/pose actually runs: its pose_web.binarypb and the
// subgraphs its wasm embeds, decoded by field number (the option protos' numbers: ssd_anchors_calculator.proto,
// tensors_to_detections_calculator.proto, image_to_tensor_calculator.proto, … of google-ai-edge/mediapipe).
import { describe, expect, it } from 'vitest';
import { POSE_DETECTOR, POSE_LANDMARKS } from '../src/tasks/params.js';
import { EXT, expectDetectorGraph, firstOptions, subgraph, topGraph, value, type Field } from './support/mediapipe-graph.js';

const one = firstOptions;

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
    expectDetectorGraph(subgraph('PoseDetectionGpu'), POSE_DETECTOR);
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
