// Images and video frames into models, masks out of them.
export { createImageInput, imageToTensor, outputMask, deviceStrides, CpuImageInput, type ImageInput, type ImageTensor, type ModelImageOptions } from './input.js';
export { GpuImageInput, type Affine, type GpuTarget } from './gpu-input.js';
export { maskToImageData, maskRegion, maskSize, MaskPainter, GpuMaskRenderer, type MaskStyle, type GpuMask } from './mask.js';
export { placement, toSourceNormalised, resolveImageOptions, type ImageInputOptions, type Placement, type Rect, type ResizeMode, type ChannelOrder, type ImageDtype, type ImageLayout } from './options.js';
export { sourceSize, type ImageSource } from './source.js';
export type { Pixels } from './resample.js';
