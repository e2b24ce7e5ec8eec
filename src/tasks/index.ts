// Ready-made vision tasks over load(): face detection and person segmentation.
export { createFaceDetector, type FaceDetector, type FaceDetectorOptions, type FaceDetection, type BoundingBox, type Keypoint } from './face-detector.js';
export { createImageSegmenter, type ImageSegmenter, type SegmentationMask } from './segmenter.js';
export { FACE_DETECTORS, type DetectorParams, type FaceDetectorModel, type SsdAnchorOptions, type DetectionDecodeOptions } from './params.js';
export { ssdAnchors } from './anchors.js';
export { decodeDetections, weightedNms, iou, type RawDetection } from './detections.js';
export type { TaskOptions } from './task-model.js';
export { drawDetections, maskToRgba, type DrawStyle } from './draw.js';
