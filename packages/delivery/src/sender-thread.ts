// The body of a sender thread: a DispatchSender (HTTP and brokers) that takes requests from the parent thread in batches
// and answers in batches. Batching matters: one postMessage per request would cost more than the
// HTTP work it moves off the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { HttpSenderOptions, SendRequest, SendResult } from './http-sender.ts';
import { DispatchSender } from './transports/dispatch-sender.ts';

// HTTP and broker destinations alike: each thread keeps its own broker connections.
const sender = new DispatchSender(workerData as HttpSenderOptions);
let outbox: Array<[number, SendResult]> = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = outbox;
  outbox = [];
  parentPort!.postMessage(batch);
}

parentPort!.on('message', (message: Array<[number, SendRequest]> | 'close') => {
  if (message === 'close') {
    // Answers for requests given back unsent must reach the parent before the port closes.
    void sender.close().then(() => {
      flush();
      parentPort!.close();
    });
    return;
  }
  for (const [id, request] of message) {
    void sender.send(request).then((result) => {
      outbox.push([id, result]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  }
});
