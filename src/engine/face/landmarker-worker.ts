// A landmarker worker: one LandmarkJobRunner on its own core. Bundled as a classic script
// (scripts/build.mjs): MediaPipe loads its wasm loader with importScripts, which module
// workers do not have. Messages are ../job-worker.ts's; pictures come transferred.
import { LandmarkJobRunner, type LandmarkJob, type LandmarkJobResult } from './landmark-jobs';
import type { LandmarkerInit } from './landmarker-pool';
import { serveJobs } from '../job-worker';

serveJobs<LandmarkerInit, LandmarkJob, LandmarkJobResult>(async ({ assets, settings }) => {
  const runner = await LandmarkJobRunner.load(assets, settings);
  return (job) => runner.run(job);
});
