// The CPU-only app on an engine without wasm SIMD, as the page sees one: WebAssembly.validate refuses the feature
// probes (each holds a SIMD opcode, 0xfd), so the CPU backend's worker is the JavaScript-kernel one.
import { load } from 'sepconv';
import { check } from './check.js';

const validate = WebAssembly.validate.bind(WebAssembly);
WebAssembly.validate = (bytes: BufferSource) => !new Uint8Array(ArrayBuffer.isView(bytes) ? bytes.buffer : bytes).includes(0xfd) && validate(bytes);
void check((bytes) => load(bytes, { backend: 'cpu' }));
