// The wait between a bench row's first result and its steady runs (Runner.settled in bench/engines.ts).

/** Resolves once a sepconv model runs its steady kernels: on WebGPU, GpuExecutor.upgraded(); at once otherwise. */
export function sepconvSettled(model: object): Promise<void> {
  return (model as { executor?: { upgraded?(): Promise<void> } }).executor?.upgraded?.() ?? Promise.resolve();
}

/** Waits for `settled` (at most 60 s); the milliseconds waited. */
export async function settle(settled?: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await Promise.race([settled?.(), new Promise((r) => setTimeout(r, 60_000))]);
  return performance.now() - t;
}
