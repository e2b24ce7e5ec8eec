// Vitest setup file: tests import src/ modules directly, so they get Dawn the way the package's Node entry does.
import { dawnGpu } from '../../src/gpu/dawn.js';
import { setGpuSource } from '../../src/gpu/device.js';

setGpuSource(dawnGpu);
