// Ready-made vision tasks over load(): face detection, hand and pose landmarks, person segmentation.
export { createFaceDetector, type FaceDetector, type FaceDetectorOptions, type FaceDetection, type BoundingBox, type Keypoint } from './face-detector.js';
export { createImageSegmenter, type ImageSegmenter, type SegmentationMask, type GpuSegmentation } from './segmenter.js';
export { FACE_DETECTORS, type DetectorParams, type FaceDetectorModel, type SsdAnchorOptions, type DetectionDecodeOptions } from './params.js';
export { ssdAnchors } from './anchors.js';
export { decodeDetections, weightedNms, iou, type RawDetection } from './detections.js';
export type { TaskOptions } from './task-model.js';
export type { VideoTask, LandmarkerTask, LandmarkerOptions, LandmarkerStats } from './video.js';
export type { DecodeStats } from './ssd-stage.js';
export { drawDetections, drawHandLandmarks, drawPoseLandmarks, maskToRgba, HAND_CONNECTIONS, POSE_CONNECTIONS, DRAW_COLORS, type DrawStyle } from './draw.js';
export { GpuLandmarkRenderer } from './draw-gpu.js';
export { createPoseLandmarker, type PoseLandmarker, type PoseLandmarkerOptions, type PoseLandmark, type PoseResult } from './pose-landmarker.js';
export { POSE_DETECTOR, POSE_LANDMARKS, POSE_LANDMARK_NAMES, POSE_SMOOTHING, type PoseLandmarkParams, type LandmarkModelParams, type RoiParams } from './params.js';
export { alignmentRoi, cropRoi, roiAffine, roiToSource, type Roi } from './roi.js';
export { createHandLandmarker, landmarksRoi, type HandLandmarker, type HandLandmarkerOptions, type HandLandmark, type HandResult } from './hand-landmarker.js';
export { PALM_DETECTOR, HAND_LANDMARKS, HAND_LANDMARK_NAMES, HAND_SMOOTHING, type HandLandmarkParams, type RectTransform, type OneEuroParams } from './params.js';
export { detectionRoi, transformRect, type RotatedRect } from './roi.js';
