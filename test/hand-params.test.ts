// PALM_DETECTOR and HAND_LANDMARKS against the graph @mediapipe/hands actually runs: the subgraphs its wasm embeds
// (PalmDetectionGpu, PalmDetectionDetectionToRoi, HandLandmarkGpu, HandLandmarkLandmarksToRoi), decoded by field
// number (the option protos' numbers, as test/pose-params.test.ts).
import { describe, expect, it } from 'vitest';
import { HAND_LANDMARKS, PALM_DETECTOR } from '../src/tasks/params.js';
import { EXT, expectDetectorGraph, firstOptions, nodeOptions, subgraph, value, values, type Field } from './support/mediapipe-graph.js';

const one = firstOptions;
const f32 = (x: number) => Math.fround(x);
const calculators = (g: Field[]) => g.filter((e) => e.f === 1).map((n) => value(n.sub!, 2));

describe('hand parameters = the graph @mediapipe/hands ships', () => {
  it('PalmDetectionGpu: letterbox 192² [0, 1] zero border, anchors, decoding, weighted NMS', () => {
    const g = subgraph('PalmDetectionGpu', 'hands');
    expectDetectorGraph(g, PALM_DETECTOR);
    // the detections come back to the source through the letterbox only
    expect(calculators(g)).toContain('DetectionLetterboxRemovalCalculator');
  });

  it('PalmDetectionDetectionToRoi: keypoints 0 → 2 at 90°, scale 2.6, shift_y −0.5, square_long', () => {
    const g = subgraph('PalmDetectionDetectionToRoi', 'hands');
    const p = HAND_LANDMARKS.fromDetection;
    const r = one(g, 'DetectionsToRectsCalculator', EXT.detectionsToRects);
    expect([value(r, 1) ?? 0, value(r, 2) ?? 0, value(r, 4)]).toEqual([p.startKeypoint, p.endKeypoint, (p.targetAngle * 180) / Math.PI]);
    const t = one(g, 'RectTransformationCalculator', EXT.rectTransformation);
    // scale_x (1), scale_y (2), shift_x (5), shift_y (6), square_long (7)
    expect([value(t, 1), value(t, 2), value(t, 5) ?? 0, value(t, 6), value(t, 7)]).toEqual([f32(p.scale), f32(p.scale), p.shiftX, f32(p.shiftY), 1]);
  });

  it('HandLandmarkLandmarksToRoi: all 21 landmarks to HandLandmarksToRect (it keeps the partial set), scale 2, shift_y −0.1', () => {
    const g = subgraph('HandLandmarkLandmarksToRoi', 'hands');
    const p = HAND_LANDMARKS.fromLandmarks;
    expect(calculators(g)).toEqual(['HandLandmarksToRectCalculator', 'RectTransformationCalculator']);
    const t = one(g, 'RectTransformationCalculator', EXT.rectTransformation);
    expect([value(t, 1), value(t, 2), value(t, 5) ?? 0, value(t, 6), value(t, 7)]).toEqual([p.scale, p.scale, p.shiftX, f32(p.shiftY), 1]);
  });

  it('HandLandmarkGpu: crop 224² [0, 1] replicate border; outputs split 0–3; flag threshold; binary handedness; 21 landmarks, normalize_z', () => {
    const g = subgraph('HandLandmarkGpu', 'hands');
    const p = HAND_LANDMARKS;
    const it2t = one(g, 'ImageToTensorCalculator', EXT.imageToTensor);
    expect([value(it2t, 1), value(it2t, 2), value(it2t, 3), value(it2t, 6)]).toEqual([p.inputSize, p.inputSize, 1, undefined]);
    const range = value(it2t, 4) as Field[];
    expect([value(range, 1) ?? 0, value(range, 2)]).toEqual([...p.range]);
    const split = one(g, 'SplitTensorVectorCalculator', EXT.splitVector);
    expect(values(split, 1).map((r) => [value(r as Field[], 1) ?? 0, value(r as Field[], 2)])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
    // TensorsToFloatsCalculator without options (7) or node_options (8): no activation on the hand flag
    const floats = g.filter((n) => n.f === 1 && value(n.sub!, 2) === 'TensorsToFloatsCalculator');
    expect(floats.map((n) => n.sub!.filter((e) => e.f === 7 || e.f === 8).length)).toEqual([0]);
    expect(value(one(g, 'ThresholdingCalculator', EXT.thresholding), 1)).toBe(p.presenceThreshold);
    const cls = one(g, 'TensorsToClassificationCalculator', EXT.tensorsToClassification);
    // top_k (2), label_map_path (3), binary_classification (4)
    expect([value(cls, 2), String(value(cls, 3)).endsWith('handedness.txt'), value(cls, 4)]).toEqual([1, true, 1]);
    const [screen, world] = nodeOptions(g, 'TensorsToLandmarksCalculator', EXT.tensorsToLandmarks);
    // num_landmarks (1), input_image_width/height (2, 3), normalize_z (5)
    expect([1, 2, 3, 5].map((f) => value(screen!, f))).toEqual([p.numLandmarks, p.inputSize, p.inputSize, f32(p.normalizeZ)]);
    expect([1, 2, 3].map((f) => value(world!, f))).toEqual([p.numLandmarks, undefined, undefined]);
    expect(calculators(g)).toEqual(expect.arrayContaining(['LandmarkLetterboxRemovalCalculator', 'LandmarkProjectionCalculator', 'WorldLandmarkProjectionCalculator']));
  });
});
