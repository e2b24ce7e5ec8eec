// An app that only ever runs on the CPU: its bundle must not load the GPU executor or any WGSL.
import { load } from 'sepconv';
import { check } from './check.js';

void check((bytes) => load(bytes, { backend: 'cpu' }));
