// The Node entry: the whole browser API, with Dawn (the optional peer dependency `webgpu`) as the WebGPU source
// where navigator.gpu is missing. Without Dawn, `auto` runs on the CPU and Model.reason says why.
// The CPU backend on the caller's thread computes on a worker_threads team (src/cpu/thread-team-node.ts).
import { setCallerThreads } from './cpu/backend.js';
import { defaultThreads, nodeTeam } from './cpu/thread-team-node.js';
import { setGpuSource } from './gpu/device.js';
import { dawnGpu } from './gpu/dawn.js';

setGpuSource(dawnGpu);
setCallerThreads({ defaultThreads, team: nodeTeam });

export * from './index.js';
