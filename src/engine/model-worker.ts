// A stream worker: one stream (lips or sound) of official SyncNet weights in TF.js on its
// own thread, for live checks (./model-streams.ts says why). Bundled as a classic script
// like the landmarker worker (scripts/build.mjs). The backend is the one the engine chose
// by measurement (./backend.ts), the wasm files from the extension package.
import * as tf from '@tensorflow/tfjs';
import { decodeWeights } from '../core/convert/weights-bundle';
import { createSyncNetModel } from '../core/models';
import { embedInBatches } from '../core/score';
import { chooseBackend } from './backend';
import {
  AUDIO_BATCH,
  LIP_BATCH,
  type StreamJob,
  type StreamResult,
  type StreamWorkerInit,
} from './model-streams';
import { serveJobs } from './job-worker';

serveJobs<StreamWorkerInit, StreamJob, StreamResult>(
  async ({ bundle, stream, tfWasmBase, backend }) => {
    await chooseBackend(tfWasmBase, backend);
    const kind = bundle.manifest.model;
    if (kind === 'embedded') throw new Error('the shipped model runs on the engine thread');
    const model = createSyncNetModel(kind, decodeWeights(bundle), stream, bundle.manifest.source);
    return async ({ values, shape }) => {
      const windows = tf.tensor(values, shape);
      try {
        const rows =
          stream === 'lip'
            ? await embedInBatches(windows as tf.Tensor5D, (b) => model.embedLip(b), LIP_BATCH)
            : await embedInBatches(windows as tf.Tensor3D, (b) => model.embedAudio(b), AUDIO_BATCH);
        const size = rows[0]?.length ?? 0;
        const flat = new Float32Array(rows.length * size);
        rows.forEach((row, i) => flat.set(row, i * size));
        return { rows: flat, size };
      } finally {
        windows.dispose();
      }
    };
  },
  (result) => [result.rows.buffer],
);
