import { GpuError } from '../errors.js';
import type { ParamsLayout } from './params.js';
import { compose } from './wgsl.js';

/** A WGSL program from shaders/*.wgsl (its `// #include` lines resolved, src/gpu/wgsl.ts) plus the params struct generated for it. */
export interface ShaderDef {
  readonly name: string;
  readonly source: string;
  readonly params?: ParamsLayout;
  readonly entryPoint?: string;
}

export function shader(name: string, source: string, params?: ParamsLayout, entryPoint = 'main'): ShaderDef {
  return { name, source: compose(source), params, entryPoint };
}

const ENABLE = /^[ \t]*enable [\w, ]+;[ \t]*$/gm;

/** The module's text: `enable` directives (which must precede every declaration, wherever a fragment had them) first, then the params struct. */
export function fullSource(def: ShaderDef): string {
  const enables = [...new Set(def.source.match(ENABLE)?.map((l) => l.trim()) ?? [])];
  return [...enables, ...(def.params ? [def.params.wgsl] : []), def.source.replace(ENABLE, '')].join('\n');
}

/** Formats compilation messages with the numbered source lines around each one. */
export function formatCompileErrors(name: string, code: string, messages: readonly GPUCompilationMessage[]): string {
  const lines = code.split('\n');
  const parts = [`WGSL compilation of "${name}" failed:`];
  for (const m of messages) {
    parts.push(`${m.type} at line ${m.lineNum}:${m.linePos}: ${m.message}`);
    const from = Math.max(1, m.lineNum - 2);
    const to = Math.min(lines.length, m.lineNum + 2);
    for (let l = from; l <= to; l++)
      parts.push(`${l === m.lineNum ? '>' : ' '}${String(l).padStart(5)} | ${lines[l - 1]}`);
  }
  return parts.join('\n');
}

/** A GPU_SHADER GpuError listing the WGSL errors among a module's compilation messages, if there are any. */
export function throwCompileErrors(name: string, code: string, messages: readonly GPUCompilationMessage[]): void {
  const errors = messages.filter((m) => m.type === 'error');
  if (errors.length) throw new GpuError(formatCompileErrors(name, code, errors), 'GPU_SHADER');
}

export async function compileModule(device: GPUDevice, def: ShaderDef): Promise<GPUShaderModule> {
  const code = fullSource(def);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: def.name, code });
  const info = await module.getCompilationInfo();
  const scopeError = await device.popErrorScope();
  throwCompileErrors(def.name, code, info.messages);
  if (scopeError) throw new GpuError(`WGSL "${def.name}": ${scopeError.message}`, 'GPU_SHADER');
  return module;
}
