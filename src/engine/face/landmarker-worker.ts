// A landmarker worker: one LandmarkJobRunner on its own core. Bundled as a classic script
// (scripts/build.mjs): MediaPipe loads its wasm loader with importScripts, which module
// workers do not have. Messages are the pool's (./landmarker-pool.ts), pictures transferred.
import { LandmarkJobRunner } from './landmark-jobs';
import type { WorkerRequest, WorkerReply } from './landmarker-pool';

let runner: LandmarkJobRunner | null = null;
const reply = (message: WorkerReply) => (self as unknown as Worker).postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === 'init') {
    try {
      runner = await LandmarkJobRunner.load(request.assets, request.settings);
      reply({ type: 'ready' });
    } catch (error) {
      reply({ type: 'failed', message: messageOf(error) });
    }
    return;
  }
  try {
    if (!runner) throw new Error('landmarker worker: job before init');
    reply({ type: 'result', id: request.id, result: runner.run(request.job) });
  } catch (error) {
    reply({ type: 'failed', id: request.id, message: messageOf(error) });
  }
};
