/**
 * Starting a thread team (threads.ts) for one CPU program, whatever makes the helper threads: makes `helpers`
 * helpers through `spawn` (module Workers in thread-team-browser.ts, worker_threads in thread-team-node.ts), each
 * instantiating the program's kernel module on its shared memory with its own stack, and waits until each has its
 * instance. Undefined, with the reason, where a helper fails to start (every helper made is then ended).
 */
import { STUB_IMPORTS } from './arena/module.js';
import { BOARD, boardBytes, ThreadTeam, type CallTable, type HelperStart } from './threads.js';

/** How long helpers may take to start before the team is given up (one thread, and the reason says so). */
export const HELPER_START_MS = 15_000;

export interface HelperHandle {
  /** Settles when the helper has instantiated the module; rejects if it fails to start. */
  ready: Promise<void>;
  terminate(): void;
}

export type SpawnHelper = (start: HelperStart) => HelperHandle;

/** What helpers need to run a program's calls: its module and shared memory, the leader's exports, helper stacks. */
export interface TeamKernels {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: Record<string, unknown>;
  table: CallTable;
  /** Stack start of helper h. */
  stacks: number[];
}

export async function startTeam(
  helpers: number, spawn: SpawnHelper, k: TeamKernels, startMs = HELPER_START_MS,
): Promise<{ team?: ThreadTeam; handles?: HelperHandle[]; why?: string }> {
  if (helpers < 1) return {};
  const board = new SharedArrayBuffer(boardBytes(helpers));
  const handles: HelperHandle[] = [];
  try {
    for (let index = 0; index < helpers; index++)
      handles.push(spawn({ module: k.module, imports: { env: { memory: k.memory } }, board, index, table: k.table, layout: BOARD, stack: k.stacks[index], stubs: STUB_IMPORTS }));
    // A worker that never starts fires no event at all (seen once in Firefox under load): give up on the team
    // rather than wait forever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the helper threads did not start within ${startMs / 1000} s`)), startMs);
    });
    try {
      await Promise.race([Promise.all(handles.map((h) => h.ready)), late]);
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    for (const h of handles) h.terminate();
    return { why: (e as Error).message || 'a helper thread failed to start' };
  }
  return { team: new ThreadTeam(k.exports as Record<string, (...a: number[]) => void>, k.table, board, helpers), handles };
}
