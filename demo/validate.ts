// Runs the validation harness in the browser on every committed fixture (the optimised graph, as load() runs it) and
// the whole model on WebGPU against PyTorch where its output is stored; exposes the reports as window.__validate.
import { requestGpu } from '../src/gpu/device.js';
import { readNpy } from '../src/io/npy.js';
import { load } from '../src/model.js';
import { loadOnnx } from '../src/onnx/import.js';
import { compareTensors, validate, type ValidationReport } from '../src/validate.js';
import { notOnGpu } from '../test/support/on-gpu.js';

export interface FixtureValidation {
  name: string;
  report?: ValidationReport;
  /**
   * Max |webgpu whole-model output − PyTorch| and whether it is within the fixture's tolerance (fixtures with a
   * stored output); `notOnGpu` says why the run was not answered by the GPU, if it was not.
   */
  wholeModel?: { maxAbs: number; pass: boolean; notOnGpu?: string };
  error?: string;
}

interface IndexEntry {
  name: string;
  atol: number;
  rtol: number;
  output: string | null;
}

async function bytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function main(): Promise<FixtureValidation[]> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('WebGPU is not available in this browser: validation needs it');
  const index = (await (await fetch('/fixtures/index.json')).json()) as { fixtures: IndexEntry[] };
  const only = new URLSearchParams(location.search).get('only');
  const fixtures = index.fixtures.filter((f) => !only || only.split(',').includes(f.name));
  const rows = document.getElementById('rows')!;
  const out: FixtureValidation[] = [];
  for (const f of fixtures) {
    const res: FixtureValidation = { name: f.name };
    try {
      const graph = loadOnnx(await bytes(`/fixtures/${f.name}/model.onnx`));
      const input = readNpy(await bytes(`/fixtures/${f.name}/input.npy`));
      const name = graph.inputs[0]!.name;
      res.report = await validate(graph, { inputs: { [name]: input }, gpu, tolerance: { atol: f.atol, rtol: f.rtol } });
      if (f.output !== null) {
        const expected = readNpy(await bytes(`/fixtures/${f.name}/${f.output}`));
        const model = await load(graph, { backend: 'webgpu', gpu, inputShapes: { [name]: input.shape } });
        const y = (await model.run({ [name]: input })).values().next().value!;
        const why = notOnGpu(model);
        model.dispose();
        const cmp = compareTensors(y, expected, { atol: f.atol, rtol: f.rtol });
        res.wholeModel = { maxAbs: cmp.maxAbsError, pass: cmp.pass && !why, ...(why ? { notOnGpu: why } : {}) };
      }
    } catch (e) {
      res.error = (e as Error).message;
    }
    out.push(res);
    const worst = res.report?.layers.reduce((a, l) => (l.maxAbsError > a.maxAbsError ? l : a), res.report.layers[0]!);
    const ok = !res.error && res.report?.pass && (f.output === null || res.wholeModel?.pass);
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${f.name}</td><td>${res.report?.layers.length ?? '–'}</td><td>${worst ? `${worst.maxAbsError.toExponential(2)} (${worst.op})` : '–'}</td>` +
      `<td>${res.wholeModel ? res.wholeModel.maxAbs.toExponential(2) : 'no stored output'}</td><td class="${ok ? 'ok' : 'fail'}">${ok ? 'pass' : `FAIL ${res.error ?? res.wholeModel?.notOnGpu ?? ''}`}</td>`;
    rows.append(tr);
    document.getElementById('status')!.textContent = `${out.length} / ${fixtures.length}`;
  }
  const failed = out.filter((r) => r.error || !r.report?.pass || (r.wholeModel && !r.wholeModel.pass));
  document.getElementById('status')!.textContent = `${out.length} fixtures validated on ${gpu.info.vendor} ${gpu.info.architecture}: ${failed.length} failed`;
  return out;
}

const w = window as unknown as { __validate?: { results: FixtureValidation[]; error?: string } };
main().then(
  (results) => (w.__validate = { results }),
  (e: Error) => {
    document.getElementById('error')!.textContent = e.message;
    w.__validate = { results: [], error: e.message };
  },
);
