// The Node entry: the whole browser API, with Dawn (the optional peer dependency `webgpu`) as the WebGPU source
// where navigator.gpu is missing. Without Dawn, `auto` runs on the CPU and Model.reason says why.
import { setGpuSource } from './gpu/device.js';
import { dawnGpu } from './gpu/dawn.js';

setGpuSource(dawnGpu);

export * from './index.js';
