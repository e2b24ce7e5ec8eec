// `npm run bench:browsers` / `bench:vision`: bench/run-*.ts through vitest (they reuse test/support's browser launchers).
import base from '../vite.config.js';

// Not mergeConfig: it would concatenate the test include lists. No projects: each would run the benchmark again.
export default { ...base, test: { ...base.test, projects: undefined, include: ['bench/run-*.ts'], testTimeout: 900_000, fileParallelism: false } };
