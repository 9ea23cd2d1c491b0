import { parentPort } from 'node:worker_threads';
import { loadHdf5, messageOf } from './h5-lazy.js';
import { LocalPackFile } from './pack-file.js';
import type { PackFileReply, PackFileRequest } from './pack-file-thread.js';

/**
 * The worker thread of a ThreadPackFile (pack-file-thread.ts): writes one pack file with its own
 * h5wasm. h5wasm starts loading as soon as the thread does, while the add that started it reads
 * and encodes tensors. Requests run one at a time, in the order they came.
 */
if (!parentPort) throw new Error('pack-file-worker runs as a worker thread');
const port = parentPort;
loadHdf5().catch(() => undefined); // start now; a failure is reported by the first create
const file = new LocalPackFile();
let queue = Promise.resolve();

port.on('message', (request: PackFileRequest) => {
  queue = queue.then(async () => {
    let reply: PackFileReply;
    try {
      if (request.op === 'create') await file.create(request.path);
      else if (request.op === 'write') await file.write(request.record);
      else if (request.op === 'close') await file.close();
      else file.abandon();
      reply = { id: request.id };
    } catch (err) {
      reply = { id: request.id, error: messageOf(err) };
    }
    port.postMessage(reply);
  });
});
