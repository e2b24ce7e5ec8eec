// The whole engine: ?backend=webgpu|cpu|auto. Also publishes what the browser offers (window.__features).
import { detectFeatures, load, type Backend } from 'sepconv';
import { check } from './check.js';

const backend = (new URLSearchParams(location.search).get('backend') ?? 'auto') as Backend | 'auto';
void detectFeatures().then(
  (f) => ((window as { __features?: unknown }).__features = f),
  (e) => ((window as { __features?: unknown }).__features = { error: String(e) }),
);
void check((bytes) => load(bytes, { backend }));
