// Entry of the CPU backend's worker under Node's worker_threads (worker-model.ts).
import { parentPort } from 'node:worker_threads';
import { openRunner } from './runner.js';
import { serve } from './worker-serve.js';

const port = parentPort!;
const handle = serve((msg, transfer) => port.postMessage(msg, transfer), openRunner);
port.on('message', handle);
