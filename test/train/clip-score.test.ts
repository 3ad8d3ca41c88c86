// Clip scoring from cached features (windows without a face are left out through the
// core's searchOffsetRuns, tested in test/core/offset-search.test.ts); audio
// variants keep SyncNet's sign convention (audio moved earlier ⇒ positive offset); the
// cannot-judge reasons; and the browser window cache's round trip onto the feature grid.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { syntheticClip } from '../helpers/synthetic-clip';
import { mfccSyncnetV2, mfccWindowTensor, type SyncModel } from '../../src/core';
import { windowsForSegment } from '../../src/core/sync/windows';
import {
  clipGrid,
  scoreAudioVariant,
  shiftAudio,
  tracksBySize,
  type LipTrack,
} from '../../src/core/train/clip-score';
import {
  encodeWindowCache,
  lipTracksFromCache,
  parseWindowCache,
  type WindowCacheManifest,
} from '../../src/core/train/window-cache';

let tf: typeof TF;
before(async () => {
  tf = await useBackend('wasm');
});

/** Stub model: audio embedding = the window's c0 contour; the lip track is built from the same audio. */
const contourModel: SyncModel = {
  kind: 'embedded',
  mode: 'both',
  embeddingSize: 20,
  lipInput: { frames: 5, height: 1, width: 1, channels: 1 },
  audioInput: { coefficients: 13, steps: 20 },
  embedLip: () => {
    throw new Error('not used');
  },
  embedAudio: (x) =>
    tf.tidy(() => {
      const c0 = tf.slice(x, [0, 0, 0], [-1, 1, 20]).reshape([x.shape[0], 20]);
      return tf.sub(c0, tf.mean(c0, 1, true)) as TF.Tensor2D;
    }),
  dispose: () => {},
};

async function lipFromOwnAudio(clip: ReturnType<typeof syntheticClip>): Promise<LipTrack> {
  const segments = clipGrid(clip.features);
  const mfcc = mfccSyncnetV2(clip.samples);
  const windows = windowsForSegment(segments[0], 0, mfcc.rows);
  const tensor = mfccWindowTensor(
    mfcc,
    windows.map((w) => w.mfccRowStart),
  );
  const rows = tf.tidy(() => contourModel.embedAudio(tensor).arraySync()).map((r) => Float32Array.from(r));
  tensor.dispose();
  const slots = segments[0].frameIndices.length - 4;
  const track: (Float32Array | null)[] = new Array(slots).fill(null);
  windows.forEach((w, k) => (track[w.gridStart] = rows[k]));
  return { trackId: 1, windows: [track] };
}

describe('scoreAudioVariant', () => {
  const clip = syntheticClip({ seed: 11, seconds: 8, leadingSilenceS: 1 });
  const segments = clipGrid(clip.features);
  const range = { fromS: 0, toS: 8 };

  it('finds 0 on the own audio and +k when the audio is moved k frames earlier', async () => {
    const lip = await lipFromOwnAudio(clip);
    const own = { startS: 0, samples: clip.samples };
    const before = tf.memory().numTensors;
    for (const k of [0, 3, -5]) {
      const score = await scoreAudioVariant(contourModel, segments, lip, shiftAudio(own, k), range);
      assert.ok(score.result, `shift ${k}: ${score.reason}`);
      assert.equal(score.result.offsetFrames, k, `shift ${k}`);
      assert.ok(score.evidenceWindows > 75 && score.evidenceWindows <= score.windows);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });

  it('cannot judge without audio, with silence, without a face, or with too little speech', async () => {
    const lip = await lipFromOwnAudio(clip);
    assert.equal((await scoreAudioVariant(contourModel, segments, lip, null, range)).reason, 'no-audio');
    assert.equal(
      (
        await scoreAudioVariant(
          contourModel,
          segments,
          lip,
          { startS: 0, samples: new Int16Array(16000 * 8) },
          range,
        )
      ).reason,
      'silent',
    );
    const faceless: LipTrack = { trackId: 1, windows: lip.windows.map((s) => s.map(() => null)) };
    assert.equal(
      (await scoreAudioVariant(contourModel, segments, faceless, { startS: 0, samples: clip.samples }, range))
        .reason,
      'no-face',
    );
    const short = await scoreAudioVariant(
      contourModel,
      segments,
      lip,
      { startS: 0, samples: clip.samples },
      { fromS: 1, toS: 3 },
    );
    assert.equal(short.reason, 'too-short');
    assert.ok(short.evidenceWindows > 0 && short.evidenceWindows < 75);
  });

  it('orders face tracks by frames', () => {
    const two = syntheticClip({ seed: 12, seconds: 2 });
    two.features.frames.forEach((f, i) => {
      if (i % 2 === 0) f.faces.push({ ...f.faces[0], trackId: 7 });
    });
    assert.deepEqual(
      tracksBySize(two.features).map((t) => t.trackId),
      [1, 7],
    );
  });
});

describe('window cache', () => {
  const clip = syntheticClip({ seed: 13, seconds: 3 });
  const segments = clipGrid(clip.features);
  const manifest: WindowCacheManifest = {
    format: 'lipsync-lens-window-cache',
    version: 1,
    model: 'syncnet-v2',
    stage: 'embedding',
    file: clip.features.file,
    dim: 3,
    segments: segments.map((s) => ({ startTimeSec: s.startTimeSec, slots: s.frameIndices.length })),
    windows: [
      { trackId: 1, segment: 0, gridStart: 0 },
      { trackId: 1, segment: 0, gridStart: 9 },
      { trackId: 2, segment: 0, gridStart: 4 },
    ],
  };
  const rows = [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6]), new Float32Array([7, 8, 9])];

  it('round-trips rows onto the feature grid, per track', () => {
    const data = encodeWindowCache(manifest, rows);
    const tracks = lipTracksFromCache(
      parseWindowCache(JSON.parse(JSON.stringify(manifest)), data, 'x'),
      segments,
      'x',
    );
    assert.deepEqual(
      tracks.map((t) => t.trackId),
      [1, 2],
    );
    assert.equal(tracks[0].windows[0].length, segments[0].frameIndices.length - 4);
    assert.deepEqual(Array.from(tracks[0].windows[0][9]!), [4, 5, 6]);
    assert.equal(tracks[0].windows[0][4], null);
    assert.deepEqual(Array.from(tracks[1].windows[0][4]!), [7, 8, 9]);
  });

  it('refuses a truncated file or a different grid, naming the file', () => {
    const data = encodeWindowCache(manifest, rows);
    assert.throws(
      () => parseWindowCache(manifest, data.slice(0, 20), 'clip.syncnet-v2.embedding'),
      /clip.syncnet-v2.embedding: 20 bytes of data, the manifest needs 36/,
    );
    assert.throws(
      () => parseWindowCache({ format: 'nope' }, data, 'f'),
      /f: not a lipsync-lens window cache/,
    );
    const shifted = { ...manifest, segments: [{ startTimeSec: 0.5, slots: manifest.segments[0].slots }] };
    assert.throws(
      () => lipTracksFromCache({ manifest: shifted, rows: new Float32Array(9) }, segments, 'g'),
      /g: grid segment 0 differs/,
    );
  });
});
