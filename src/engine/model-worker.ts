// A stream worker: one stream (lips or sound) of official SyncNet weights in TF.js on its
// own thread, for live checks (./model-streams.ts says why), run the way the engine runs
// it on its own thread (inThreadStreams). Bundled as a classic script like the landmarker
// worker (scripts/build.mjs). The backend is the one the engine chose by measurement
// (./backend.ts), the wasm files from the extension package.
import { decodeWeights } from '../core/convert/weights-bundle';
import { createSyncNetModel } from '../core/models';
import type { WindowBatch } from '../core/score';
import { chooseBackend } from './backend';
import { inThreadStreams, type StreamResult, type StreamWorkerInit } from './model-streams';
import { serveJobs } from './job-worker';

serveJobs<StreamWorkerInit, WindowBatch, StreamResult>(
  async ({ bundle, stream, tfWasmBase, backend }) => {
    await chooseBackend(tfWasmBase, backend);
    const kind = bundle.manifest.model;
    if (kind === 'embedded') throw new Error('the shipped model runs on the engine thread');
    const streams = inThreadStreams(
      createSyncNetModel(kind, decodeWeights(bundle), stream, bundle.manifest.source),
    );
    return async (batch) => {
      const rows = await (stream === 'lip' ? streams.embedLip(batch) : streams.embedAudio(batch));
      const size = rows[0]?.length ?? 0;
      const flat = new Float32Array(rows.length * size);
      rows.forEach((row, i) => flat.set(row, i * size));
      return { rows: flat, size };
    };
  },
  (result) => [result.rows.buffer],
);
