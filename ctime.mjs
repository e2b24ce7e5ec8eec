import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
import { fullSource } from './dist/gpu/shader.js';
import { registerGemmShader, planGemm4 } from './dist/gpu/kernels/gemm.js';
const gpu = create(['enable-dawn-features=disable_workgroup_init']);
async function time(name, code, constants = {}) {
  const ts = [];
  for (let r = 0; r < 5; r++) {
    const dev = await (await gpu.requestAdapter()).requestDevice();
    const m = dev.createShaderModule({ code });
    const c = process.cpuUsage();
    dev.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main', constants } });
    const d = process.cpuUsage(c);
    ts.push((d.user + d.system) / 1000);
    dev.destroy();
  }
  ts.sort((a, b) => a - b);
  console.log(process.argv[2], name.padEnd(24), 'min', ts[0].toFixed(0), 'med', ts[2].toFixed(0), 'chars', code.length);
}
await time('gemm lean 8x8', fullSource(registerGemmShader(planGemm4(false, true))), { HAS_C: 0, ACT: 0 });
await time('gemm shared 8x8', fullSource(registerGemmShader(planGemm4(false, true))), { HAS_C: 1, ACT: 2 });
await time('gemm res 8x8', fullSource(registerGemmShader(planGemm4(true, true))), { HAS_C: 1, ACT: 2 });
