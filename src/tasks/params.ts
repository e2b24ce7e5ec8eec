// The decoding parameters MediaPipe publishes for each model, one typed table. Sources are files of
// github.com/google-ai-edge/mediapipe (mediapipe/modules/...): each entry names the .pbtxt it was read from.

/** SsdAnchorsCalculatorOptions (mediapipe/calculators/tflite/ssd_anchors_calculator.proto). */
export interface SsdAnchorOptions {
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly minScale: number;
  readonly maxScale: number;
  readonly anchorOffsetX: number;
  readonly anchorOffsetY: number;
  readonly strides: readonly number[];
  readonly aspectRatios: readonly number[];
  /** 0 disables the extra anchor per cell; MediaPipe's proto default is 1. */
  readonly interpolatedScaleAspectRatio: number;
  readonly fixedAnchorSize: boolean;
}

/** TensorsToDetectionsCalculatorOptions, the fields these models set (reverse_output_order is true for all). */
export interface DetectionDecodeOptions {
  readonly numBoxes: number;
  readonly numCoords: number;
  readonly boxCoordOffset: number;
  readonly keypointCoordOffset: number;
  readonly numKeypoints: number;
  readonly numValuesPerKeypoint: number;
  readonly scoreClippingThresh: number;
  readonly xScale: number;
  readonly yScale: number;
  readonly wScale: number;
  readonly hScale: number;
  readonly minScoreThresh: number;
}

export interface DetectorParams {
  readonly source: string;
  /** Model input range: MediaPipe's ImageToTensorCalculator output_tensor_float_range. */
  readonly range: readonly [number, number];
  /** keep_aspect_ratio: true → letterbox (BORDER_ZERO). */
  readonly resize: 'letterbox' | 'stretch';
  readonly anchors: SsdAnchorOptions;
  readonly decode: DetectionDecodeOptions;
  /** NonMaxSuppressionCalculator: min_suppression_threshold, IoU, WEIGHTED. */
  readonly nmsIou: number;
  readonly keypointNames: readonly string[];
}

const FACE_KEYPOINTS = ['rightEye', 'leftEye', 'noseTip', 'mouthCenter', 'rightEarTragion', 'leftEarTragion'] as const;

const faceDecode = (size: number, numBoxes: number, minScoreThresh: number): DetectionDecodeOptions => ({
  numBoxes,
  numCoords: 16,
  boxCoordOffset: 0,
  keypointCoordOffset: 4,
  numKeypoints: 6,
  numValuesPerKeypoint: 2,
  scoreClippingThresh: 100,
  xScale: size,
  yScale: size,
  wScale: size,
  hScale: size,
  minScoreThresh,
});

export const FACE_DETECTORS = {
  /** face_detection_short_range.tflite, 128×128, 896 anchors. */
  short: {
    source: 'mediapipe/modules/face_detection/face_detection_short_range_common.pbtxt, face_detection.pbtxt',
    range: [-1, 1],
    resize: 'letterbox',
    anchors: {
      inputWidth: 128,
      inputHeight: 128,
      minScale: 0.1484375,
      maxScale: 0.75,
      anchorOffsetX: 0.5,
      anchorOffsetY: 0.5,
      strides: [8, 16, 16, 16],
      aspectRatios: [1],
      interpolatedScaleAspectRatio: 1,
      fixedAnchorSize: true,
    },
    decode: faceDecode(128, 896, 0.5),
    nmsIou: 0.3,
    keypointNames: FACE_KEYPOINTS,
  },
  /** face_detection_full_range(_sparse).tflite, 192×192, 2304 anchors. */
  full: {
    source: 'mediapipe/modules/face_detection/face_detection_full_range_common.pbtxt, face_detection.pbtxt',
    range: [-1, 1],
    resize: 'letterbox',
    anchors: {
      inputWidth: 192,
      inputHeight: 192,
      minScale: 0.1484375,
      maxScale: 0.75,
      anchorOffsetX: 0.5,
      anchorOffsetY: 0.5,
      strides: [4],
      aspectRatios: [1],
      interpolatedScaleAspectRatio: 0,
      fixedAnchorSize: true,
    },
    decode: faceDecode(192, 2304, 0.6),
    nmsIou: 0.3,
    keypointNames: FACE_KEYPOINTS,
  },
} as const satisfies Record<string, DetectorParams>;

export type FaceDetectorModel = keyof typeof FACE_DETECTORS;
