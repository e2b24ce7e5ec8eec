/**
 * Starting a thread team (threads.ts), whatever makes the helper threads: switches this thread's kernels to a
 * shared memory, makes `helpers` helpers through `spawn` (module Workers in thread-team-browser.ts, worker_threads
 * in thread-team-node.ts) and waits until each has its instance. Undefined, with the reason, where shared wasm
 * memory is unavailable or a helper fails to start (every helper made is then ended).
 */
import { chainBands } from './chain-bands.js';
import { installChainBands } from './conv-fast.js';
import type { ThreadPlan } from './thread-plan.js';
import { BOARD, boardBytes, ThreadTeam, type HelperStart } from './threads.js';
import { callTable, shareKernels, sharedImports } from './wasm-kernels.js';

/** How long helpers may take to start before the team is given up (one thread, and the reason says so). */
export const HELPER_START_MS = 15_000;

export interface HelperHandle {
  /** Settles when the helper has instantiated the module; rejects if it fails to start. */
  ready: Promise<void>;
  terminate(): void;
}

/** A model's share of a team on the caller's thread (thread-team-node.ts). */
export interface TeamLease {
  /** Threads a run gets now (1 once the team broke). */
  readonly threads: number;
  /** Why the team is down to one thread, if it is. */
  readonly broken: string | undefined;
  /** Runs `f` with the kernels split over the team. */
  run<T>(f: () => T): T;
  /** The model's choice of steps worth the team, for plain and for profiled runs (thread-plan.ts). */
  readonly plans: readonly [ThreadPlan, ThreadPlan];
  release(): void;
}

export type SpawnHelper = (start: HelperStart) => HelperHandle;

/**
 * `use` picks the team the kernels split work over at each call (default: this one, always); the Node team
 * returns it only while a model that asked for threads runs.
 */
export async function startTeam(
  helpers: number, spawn: SpawnHelper, use?: (team: ThreadTeam) => ThreadTeam | undefined, startMs = HELPER_START_MS,
): Promise<{ team?: ThreadTeam; handles?: HelperHandle[]; why?: string }> {
  if (helpers < 1) return {};
  let team: ThreadTeam | undefined;
  const shared = shareKernels(() => (team && use ? use(team) : team));
  if (!shared) return { why: 'no shared WebAssembly memory' };
  const board = new SharedArrayBuffer(boardBytes(helpers));
  const table = callTable();
  const handles: HelperHandle[] = [];
  try {
    for (let index = 0; index < helpers; index++)
      handles.push(spawn({ module: shared.module, imports: sharedImports(shared.memory), board, index, table, layout: BOARD }));
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
  team = new ThreadTeam(shared.exports, table, board, helpers);
  installChainBands(chainBands);
  return { team, handles };
}
