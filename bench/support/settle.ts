// The wait between a bench row's first result and its steady runs (Runner.settled in bench/engines.ts).

/** Resolves once a sepconv model runs its steady kernels (Model.settled: on WebGPU it starts their compile now). */
export function sepconvSettled(model: { settled(): Promise<void> }): Promise<void> {
  return model.settled();
}

/** Waits for `settled` (at most 60 s); the milliseconds waited. */
export async function settle(settled?: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await Promise.race([settled?.(), new Promise((r) => setTimeout(r, 60_000))]);
  return performance.now() - t;
}
