// `npm run bench:browsers`: bench/run-browsers.ts through vitest (it reuses test/support's browser launchers).
import base from '../vite.config.js';

// Not mergeConfig: it would concatenate the test include lists.
export default { ...base, test: { ...base.test, include: ['bench/run-browsers.ts'], testTimeout: 900_000, fileParallelism: false } };
