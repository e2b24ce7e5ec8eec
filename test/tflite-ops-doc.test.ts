// docs/TFLITE_OPS.md is the importer's own table (scripts/tflite-ops-doc.ts): regenerated, it must equal the file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tfliteOpsMarkdown } from '../scripts/tflite-ops-doc.js';
import { ALL_BUILTINS } from '../src/tflite/builtins.js';
import { BuiltinOperator } from '../src/tflite/schema/tflite_generated.js';
import { ROOT } from './support/fixtures.js';

it('docs/TFLITE_OPS.md lists every builtin as the importer handles it', () => {
  const file = join(ROOT, 'docs/TFLITE_OPS.md');
  const md = tfliteOpsMarkdown();
  if (process.env.UPDATE_DOCS) writeFileSync(file, md);
  expect(readFileSync(file, 'utf8'), 'regenerate: UPDATE_DOCS=1 npx vitest run test/tflite-ops-doc.test.ts').toBe(md);
});

it('every supported builtin has a LiteRT.js-checked model in the suite', () => {
  const src = ['test/tflite-builtins.test.ts', 'test/tflite-sparse.test.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
  const untested = Object.keys(ALL_BUILTINS).map((c) => BuiltinOperator[Number(c)]!).filter((name) => !new RegExp(`Op\\.${name}\\b`).test(src));
  expect(untested).toEqual([]);
});
