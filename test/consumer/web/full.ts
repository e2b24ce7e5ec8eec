// The whole engine: ?backend=webgpu|cpu|auto.
import { load, type Backend } from 'sepconv';
import { check } from './check.js';

const backend = (new URLSearchParams(location.search).get('backend') ?? 'auto') as Backend | 'auto';
void check((bytes) => load(bytes, { backend }));
