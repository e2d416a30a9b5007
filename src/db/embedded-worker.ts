import { parentPort, workerData } from 'node:worker_threads';
import { servePglite, type ServeRequest, type WorkerMessage } from './embedded';

/**
 * The embedded database's thread (started by src/db/embedded.ts): opens PGlite, serves it with pglite-socket on a
 * loopback port and says where; on 'stop', closes both and says so. Its start overlaps the main thread's.
 */
const port = parentPort!;
const send = (message: WorkerMessage) => port.postMessage(message);

servePglite(workerData as ServeRequest).then(
  (served) => {
    send({ type: 'ready', url: served.url });
    port.once('message', () => {
      void served.stop().finally(() => {
        send({ type: 'stopped' });
        port.close();
      });
    });
  },
  (err: Error) => send({ type: 'failed', message: err.message }),
);
