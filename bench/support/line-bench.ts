// A bench that prints lines, run in Node (model files read from disk) or in a page (fetched from the bench server):
// its `main` and `browserMain` (driven by bench/run-arena-page.mjs).
export type LineBench = (argv: string[], read: (path: string) => Promise<Uint8Array>, log: (line: string) => void) => Promise<void>;

export async function inNode(bench: LineBench, argv: string[]): Promise<void> {
  const { readFileSync } = await import('node:fs');
  await bench(argv, async (path) => new Uint8Array(readFileSync(path)), console.log);
}

/** The printed lines. */
export async function inPage(bench: LineBench, argv: string[]): Promise<string> {
  const lines: string[] = [];
  await bench(argv, async (path) => new Uint8Array(await (await fetch(`/${path}`)).arrayBuffer()), (l) => lines.push(l));
  return lines.join('\n');
}
