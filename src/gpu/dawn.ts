// WebGPU in Node: Dawn, from the optional peer dependency `webgpu`. Only the Node entry (src/node.ts) imports this
// file, so browser bundles never reference the package.
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuSource } from './device.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Where the Vulkan loader looks for driver manifests when no VK_DRIVER_FILES / VK_ICD_FILENAMES is set
// (Khronos LoaderInterfaceArchitecture.md, "Driver Discovery on Linux").
function manifestDirs(env: NodeJS.ProcessEnv): string[] {
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const home = env.XDG_DATA_HOME || (env.HOME ? join(env.HOME, '.local/share') : '');
  return [...config, '/etc', ...data, home].filter(Boolean).map((d) => join(d, 'vulkan/icd.d'));
}

function hasDriverManifest(env: NodeJS.ProcessEnv): boolean {
  const listed = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || '').split(':').filter(Boolean);
  const added = (env.VK_ADD_DRIVER_FILES || '').split(':').filter(Boolean);
  if (listed.length) return [...listed, ...added].some((f) => existsSync(f));
  if (added.some((f) => existsSync(f))) return true;
  return manifestDirs(env).some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/**
 * Dawn prints a native warning with a C++ source location when it cannot load Vulkan or finds no driver, so on
 * Linux both are checked first, the loader by the same dlopen("libvulkan.so.1") Dawn makes. Returns why WebGPU
 * cannot work here, or undefined when it may.
 */
function linuxVulkanMissing(): string | undefined {
  try {
    process.dlopen({ exports: {} }, 'libvulkan.so.1');
  } catch (e) {
    // The library loaded but is not a Node addon: that is the success case of this probe.
    if (!/self-register/.test((e as Error).message))
      return 'the Vulkan loader libvulkan.so.1 cannot be loaded (Debian/Ubuntu: apt-get install libvulkan1)';
  }
  if (!hasDriverManifest(process.env))
    return 'Vulkan has no driver (no GPU driver, and no SwiftShader ICD such as the one Debian/Ubuntu chromium ships)';
  return undefined;
}

// Dawn's GPU instance must outlive every adapter and device made from it: if it is garbage-collected the native
// side aborts the process ("Owner died"), so the one instance (or the one reason there is none) is kept here.
let result: Promise<GPU | string> | undefined;

async function openDawn(): Promise<GPU | string> {
  if (process.platform === 'linux') {
    if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD) && !existsSync('/dev/dri') && !existsSync('/dev/nvidia0'))
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    // Vulkan's window-system probe prints an error per process when this is unset (headless CI, containers).
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = tmpdir();
    const missing = linuxVulkanMissing();
    if (missing) return `WebGPU is not available in Node: ${missing}`;
  }
  let mod: { create(o: string[]): GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      return 'WebGPU is not available in Node: the optional `webgpu` package (Dawn) is not installed (npm install webgpu)';
    return `WebGPU is not available in Node: the \`webgpu\` package failed to load (${(e as Error).message})`;
  }
  Object.assign(globalThis, mod.globals);
  // Dawn zero-fills every workgroup array on entry and SwiftShader compiles that fill as straight-line code
  // (a 7.5 KiB array: ~3 s per pipeline instead of ~30 ms). Every kernel here writes each workgroup element
  // before reading it, so the fill is dead work. Browsers keep their own setting.
  return mod.create(['enable-dawn-features=disable_workgroup_init']);
}

/** The Node GPU source: Dawn's GPU, or a sentence saying why WebGPU is not available in this process. */
export const dawnGpu: GpuSource = () => (result ??= openDawn());
