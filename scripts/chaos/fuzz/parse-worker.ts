import { parentPort } from 'node:worker_threads';
import { checkParse, type ParseSpec } from './ingest-check';

/** Worker-thread entry: runs one parser check per message, so a hang or a memory blow-up can be cut off. */
parentPort?.on('message', (msg: { id: number; spec: ParseSpec }) => {
  void checkParse(msg.spec).then((outcome) => parentPort?.postMessage({ id: msg.id, outcome }));
});
