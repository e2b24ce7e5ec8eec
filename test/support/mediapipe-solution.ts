// MediaPipe's own solution packages (@mediapipe/pose, @mediapipe/hands) as references, run in the shared headless
// Chromium: a page under test/pages loads the solution's script from node_modules and exposes window.__solution.run
// (images as base64 RGB with their sizes, options); the images go in as canvases, the result comes back as plain data.
import { expect } from 'vitest';
import { openPage } from './browser.js';
import type { Image } from './roi-ref.js';

/** The page's result for `images`, on a fresh page; a null result fails with the page's errors. */
export async function solutionRun<R, O>(page: string, images: readonly Image[], options: O): Promise<R> {
  const { page: p, errors } = await openPage(page);
  try {
    await p.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const sent = images.map((img) => ({ b64: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64'), width: img.width, height: img.height }));
    const got = await p.evaluate(
      (i, o) => (window as unknown as { __solution: { run(i: unknown, o: unknown): Promise<unknown> } }).__solution.run(i, o),
      sent, options as never,
    );
    expect(got, errors.join('\n')).not.toBeNull();
    return got as R;
  } finally {
    await p.close();
  }
}
