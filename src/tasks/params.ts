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

/**
 * What MediaPipe's BlazeFace-family detectors (face, palm, pose) share: square input, fixed-size anchors at the cell
 * centres, scales 0.1484375–0.75, aspect ratio 1, boxes then (x, y) keypoints, scaled by the input size, clip 100.
 */
const blazeAnchors = (size: number, strides: readonly number[], interpolatedScaleAspectRatio: number): SsdAnchorOptions => ({
  inputWidth: size,
  inputHeight: size,
  minScale: 0.1484375,
  maxScale: 0.75,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  strides,
  aspectRatios: [1],
  interpolatedScaleAspectRatio,
  fixedAnchorSize: true,
});

const blazeDecode = (size: number, numBoxes: number, numKeypoints: number, minScoreThresh: number): DetectionDecodeOptions => ({
  numBoxes,
  numCoords: 4 + 2 * numKeypoints,
  boxCoordOffset: 0,
  keypointCoordOffset: 4,
  numKeypoints,
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
    anchors: blazeAnchors(128, [8, 16, 16, 16], 1),
    decode: blazeDecode(128, 896, 6, 0.5),
    nmsIou: 0.3,
    keypointNames: FACE_KEYPOINTS,
  },
  /** face_detection_full_range(_sparse).tflite, 192×192, 2304 anchors. */
  full: {
    source: 'mediapipe/modules/face_detection/face_detection_full_range_common.pbtxt, face_detection.pbtxt',
    range: [-1, 1],
    resize: 'letterbox',
    anchors: blazeAnchors(192, [4], 0),
    decode: blazeDecode(192, 2304, 6, 0.6),
    nmsIou: 0.3,
    keypointNames: FACE_KEYPOINTS,
  },
} as const satisfies Record<string, DetectorParams>;

export type FaceDetectorModel = keyof typeof FACE_DETECTORS;

/** pose_detection.tflite, 224×224, 2254 anchors, 4 keypoints: hip centre, full-body scale, shoulder centre, upper-body scale. */
export const POSE_DETECTOR = {
  // the same values in the shipped @mediapipe/pose wasm's PoseDetectionGpu (letterbox: keep_aspect_ratio, BORDER_ZERO)
  source: 'mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt, pose_detection_gpu.pbtxt (ImageToTensor, SsdAnchors, TensorsToDetections, NonMaxSuppression)',
  range: [-1, 1],
  resize: 'letterbox',
  anchors: blazeAnchors(224, [8, 16, 32, 32, 32], 1),
  decode: blazeDecode(224, 2254, 4, 0.5),
  nmsIou: 0.3,
  keypointNames: ['hipCenter', 'fullBodyScale', 'shoulderCenter', 'upperBodyScale'],
} as const satisfies DetectorParams;

/** A rotated region of interest from two alignment points (AlignmentPointsRectsCalculator + RectTransformationCalculator). */
export interface RoiParams {
  readonly source: string;
  /** rotation_vector_start/end_keypoint_index: the centre and the point whose distance ×2 is the box side. */
  readonly startKeypoint: number;
  readonly endKeypoint: number;
  /** rotation_vector_target_angle_degrees, in radians. */
  readonly targetAngle: number;
  /** scale_x = scale_y; square_long is true for both pose ROIs. */
  readonly scale: number;
}

/** A landmark model behind a rotated ROI crop (pose, hand). */
export interface LandmarkModelParams {
  readonly source: string;
  /**
   * ImageToTensorCalculator: output_tensor_width/height, output_tensor_float_range, keep_aspect_ratio true (the ROI is
   * square in pixels: no padding); border_mode unset → BORDER_UNSPECIFIED → kReplicate (image_to_tensor_calculator.cc
   * GetBorderMode; GL_CLAMP_TO_EDGE in image_to_tensor_converter_gl_texture.cc); gpu_origin TOP_LEFT.
   */
  readonly inputSize: number;
  readonly range: readonly [number, number];
  /** TensorsToLandmarksCalculator num_landmarks. */
  readonly numLandmarks: number;
  /** ThresholdingCalculator on the model's presence flag. */
  readonly presenceThreshold: number;
}

export interface PoseLandmarkParams extends LandmarkModelParams {
  /** 33 pose + 2 auxiliary + 4 unused landmarks, 5 values each (x, y, z, visibility, presence; SIGMOID). */
  readonly valuesPerLandmark: number;
  /** The landmarks users see, then the two auxiliary ones (hip centre, full-body scale) that give the next frame's ROI. */
  readonly numPose: number;
  readonly auxiliary: readonly [number, number];
  /** RefineLandmarksFromHeatmapCalculator: kernel_size, min_confidence_to_refine (proto default). */
  readonly heatmapKernel: number;
  readonly minConfidenceToRefine: number;
  readonly fromDetection: RoiParams;
  readonly fromLandmarks: RoiParams;
}

export const POSE_LANDMARKS = {
  // The graph @mediapipe/pose 0.5.1675469404 runs: pose_web.binarypb (PoseLandmarkGpu, model_complexity 1) and the
  // subgraphs its wasm registers as serialized CalculatorGraphConfigs (PoseLandmarkByRoiGpu,
  // TensorsToPoseLandmarksAndSegmentation, PoseDetectionToRoi, PoseLandmarksToRoi), decoded; the same values as
  // mediapipe/modules/pose_landmark/*.pbtxt of google-ai-edge/mediapipe master.
  source: 'pose_landmark_by_roi_gpu.pbtxt (ImageToTensor 256², [0, 1], keep_aspect_ratio), tensors_to_pose_landmarks_and_segmentation.pbtxt (TensorsToLandmarks 39, SIGMOID; RefineLandmarksFromHeatmap kernel 7; Thresholding 0.5)',
  inputSize: 256,
  range: [0, 1],
  numLandmarks: 39,
  valuesPerLandmark: 5,
  numPose: 33,
  auxiliary: [33, 34],
  presenceThreshold: 0.5,
  heatmapKernel: 7,
  minConfidenceToRefine: 0.5,
  // AlignmentPointsRectsCalculator start 0, end 1, target angle 90°; RectTransformationCalculator scale 1.25 × 1.25,
  // square_long (both decoded from the shipped wasm). 2, 3 and 1.5 were the retired upper-body model's.
  fromDetection: { source: 'mediapipe/modules/pose_landmark/pose_detection_to_roi.pbtxt', startKeypoint: 0, endKeypoint: 1, targetAngle: Math.PI / 2, scale: 1.25 },
  fromLandmarks: { source: 'mediapipe/modules/pose_landmark/pose_landmarks_to_roi.pbtxt (on the auxiliary landmarks)', startKeypoint: 0, endKeypoint: 1, targetAngle: Math.PI / 2, scale: 1.25 },
} as const satisfies PoseLandmarkParams;

/** BlazePose's 33 landmarks, in the model's order (tensors_to_pose_landmarks_and_segmentation.pbtxt). */
export const POSE_LANDMARK_NAMES = [
  'nose', 'leftEyeInner', 'leftEye', 'leftEyeOuter', 'rightEyeInner', 'rightEye', 'rightEyeOuter', 'leftEar', 'rightEar',
  'mouthLeft', 'mouthRight', 'leftShoulder', 'rightShoulder', 'leftElbow', 'rightElbow', 'leftWrist', 'rightWrist',
  'leftPinky', 'rightPinky', 'leftIndex', 'rightIndex', 'leftThumb', 'rightThumb', 'leftHip', 'rightHip', 'leftKnee',
  'rightKnee', 'leftAnkle', 'rightAnkle', 'leftHeel', 'rightHeel', 'leftFootIndex', 'rightFootIndex',
] as const;

/**
 * palm_detection_full/lite.tflite, 192×192, 2016 anchors, 7 keypoints: the graph names 0 (wrist centre) and 2 (middle-finger
 * MCP); the others follow TF.js handpose's PALM_LANDMARK_IDS (hand landmarks 0, 5, 9, 13, 17, 1, 2).
 */
export const PALM_DETECTOR = {
  // the same values in the shipped @mediapipe/hands wasm's PalmDetectionGpu (test/hand-params.test.ts decodes them)
  source: 'mediapipe/modules/palm_detection/palm_detection_gpu.pbtxt (ImageToTensor 192² [0, 1] keep_aspect_ratio BORDER_ZERO, SsdAnchors, TensorsToDetections, NonMaxSuppression WEIGHTED 0.3)',
  range: [0, 1],
  resize: 'letterbox',
  anchors: blazeAnchors(192, [8, 16, 16, 16], 1),
  decode: blazeDecode(192, 2016, 7, 0.5),
  nmsIou: 0.3,
  keypointNames: ['wrist', 'indexMcp', 'middleMcp', 'ringMcp', 'pinkyMcp', 'thumbCmc', 'thumbMcp'],
} as const satisfies DetectorParams;

/** RectTransformationCalculator (square_long true): shift in units of the rect's own width/height along its rotated axes, then the long side × scale. */
export interface RectTransform {
  readonly source: string;
  readonly scale: number;
  readonly shiftX: number;
  readonly shiftY: number;
}

/** 21 landmarks (x, y, z each); the hand flag goes through TensorsToFloats without activation (it is a probability). */
export interface HandLandmarkParams extends LandmarkModelParams {
  /** TensorsToLandmarksCalculator normalize_z: z is divided by it as well as by the input size. */
  readonly normalizeZ: number;
  /** TensorsToClassificationCalculator, binary_classification: label 0 scores raw[0], label 1 scores 1 − raw[0]; top_k 1. */
  readonly handednessLabels: readonly [string, string];
  /** DetectionsToRectsCalculator: the palm box, turned so that keypoint start → end points up. */
  readonly fromDetection: RectTransform & { readonly startKeypoint: number; readonly endKeypoint: number; readonly targetAngle: number };
  /** HandLandmarksToRectCalculator on these landmarks (wrist, thumb, MCPs and PIPs), then the transform. */
  readonly fromLandmarks: RectTransform & { readonly partial: readonly number[] };
}

export const HAND_LANDMARKS = {
  // The graph @mediapipe/hands 0.4.1675469240 runs (its wasm's HandLandmarkGpu, PalmDetectionDetectionToRoi,
  // HandLandmarkLandmarksToRoi, decoded), the same values as mediapipe/modules/hand_landmark/*.pbtxt.
  source: 'mediapipe/modules/hand_landmark/hand_landmark_gpu.pbtxt (ImageToTensor 224² [0, 1]; SplitTensorVector: landmarks, hand flag, handedness, world landmarks; Thresholding 0.5; TensorsToClassification binary, handedness.txt; TensorsToLandmarks 21, normalize_z 0.4)',
  inputSize: 224,
  range: [0, 1],
  numLandmarks: 21,
  normalizeZ: 0.4,
  presenceThreshold: 0.5,
  handednessLabels: ['Left', 'Right'],
  fromDetection: {
    source: 'mediapipe/modules/hand_landmark/palm_detection_detection_to_roi.pbtxt (DetectionsToRects keypoints 0 → 2, 90°; RectTransformation scale 2.6, shift_y −0.5, square_long)',
    startKeypoint: 0,
    endKeypoint: 2,
    targetAngle: Math.PI / 2,
    scale: 2.6,
    shiftX: 0,
    shiftY: -0.5,
  },
  fromLandmarks: {
    source: 'mediapipe/modules/hand_landmark/hand_landmark_landmarks_to_roi.pbtxt (HandLandmarksToRect; RectTransformation scale 2, shift_y −0.1, square_long), hand_landmarks_to_rect_calculator.cc',
    partial: [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18],
    scale: 2,
    shiftX: 0,
    shiftY: -0.1,
  },
} as const satisfies HandLandmarkParams;

/** The 21 hand landmarks, in the model's order. */
export const HAND_LANDMARK_NAMES = [
  'wrist', 'thumbCmc', 'thumbMcp', 'thumbIp', 'thumbTip', 'indexMcp', 'indexPip', 'indexDip', 'indexTip', 'middleMcp',
  'middlePip', 'middleDip', 'middleTip', 'ringMcp', 'ringPip', 'ringDip', 'ringTip', 'pinkyMcp', 'pinkyPip', 'pinkyDip', 'pinkyTip',
] as const;

/** LandmarksSmoothingCalculatorOptions.OneEuroFilter (mediapipe/calculators/util/landmarks_smoothing_calculator.proto). */
export interface OneEuroParams {
  readonly source: string;
  /** Frames per second assumed until two timestamps give the rate (the proto's default, 30). */
  readonly frequency: number;
  readonly minCutoff: number;
  readonly beta: number;
  readonly derivateCutoff: number;
  /** Below this object scale (pixels) the landmarks pass through unsmoothed. */
  readonly minAllowedObjectScale: number;
}

/**
 * detectForVideo's optional hand smoothing (off by default, as in MediaPipe, whose hand graphs smooth nothing). MediaPipe
 * publishes no one-euro parameters for hands; these are the ones it gives its face and pose landmarks.
 */
export const HAND_SMOOTHING = {
  source:
    'no hand graph of MediaPipe smooths (mediapipe/modules/hand_landmark/hand_landmark_tracking_cpu.pbtxt, mediapipe/tasks/cc/vision/hand_landmarker/hand_landmarker_graph.cc); min_cutoff 0.05, beta 80, derivate_cutoff 1 are mediapipe/tasks/cc/vision/face_landmarker/face_landmarks_detector_graph.cc ConfigureLandmarksSmoothingCalculator (the same in the Tasks pose landmarker graph); frequency 30 and min_allowed_object_scale 1e-6 are the proto defaults',
  frequency: 30,
  minCutoff: 0.05,
  beta: 80,
  derivateCutoff: 1,
  minAllowedObjectScale: 1e-6,
} as const satisfies OneEuroParams;

/**
 * detectForVideo's optional pose smoothing (off by default here; MediaPipe's pose landmarker smooths its landmarks
 * with a one-euro LandmarksSmoothingCalculator): the parameters as HAND_SMOOTHING records them for the Tasks pose graph.
 */
export const POSE_SMOOTHING = {
  ...HAND_SMOOTHING,
  source:
    'mediapipe/tasks/cc/vision/pose_landmarker/pose_landmarks_detector_graph.cc ConfigureLandmarksSmoothingCalculator: one-euro min_cutoff 0.05, beta 80, derivate_cutoff 1 (as the face landmarker graph); frequency 30 and min_allowed_object_scale 1e-6 are the proto defaults',
} as const satisfies OneEuroParams;
