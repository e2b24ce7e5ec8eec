// Regenerates src/onnx/onnx-proto.json from src/onnx/onnx.proto so that the runtime only needs protobufjs/light.
// Usage: node scripts/gen-onnx-proto.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const protoPath = resolve(root, 'src/onnx/onnx.proto');
const outPath = resolve(root, 'src/onnx/onnx-proto.json');

const parsed = protobuf.parse(readFileSync(protoPath, 'utf8'), { keepCase: true });
const json = parsed.root.toJSON({ keepComments: false });
const text = JSON.stringify(json, null, 1) + '\n';
writeFileSync(outPath, text);
console.log(`wrote ${outPath} (${text.length} bytes) from ${protoPath}`);
