// Entry of the CPU backend's worker under Node's worker_threads (worker-model.ts).
import { parentPort } from 'node:worker_threads';
import { serve } from './worker-serve.js';

const port = parentPort!;
const handle = serve((msg, transfer) => port.postMessage(msg, transfer));
port.on('message', handle);
