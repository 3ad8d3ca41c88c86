// The sliced audio path (src/engine/webcodecs-audio.ts: AudioDecoder fed by
// src/core/media/mp4-audio.ts) against the whole-file path it replaces (decodeAudioData) and
// against the reference (`ffmpeg -ac 1 -ar 16000`, what syncnet_python reads), in real
// Chromium on real clips, each through the engine's AudioSegment: the same sound at the same
// time, sample for sample in alignment; a sound that starts late or pauses is kept at its
// own times. The page is test/harness/audio-sources-page.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { mediaUrl, openHarness, type Harness } from '../helpers/harness';
import { clip, makeMedia, withSoundDropout, withSoundStartingLate } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';
import type { AudioRun } from '../harness/audio-sources-page';

const CLIPS = [
  'PCAVS_misc_Audio_Source_00104.mp4', // AAC 16 kHz mono, priming edit of 1024 samples
  'HyperLips_test_video1_video1.mp4', // AAC 44.1 kHz stereo
  'Wav2Lip_checkpoints_test.mov', // QuickTime sound description v1, an edit that ends early
];
const missing = CLIPS.filter((c) => !existsSync(clip(c)));
const skip = !existsSync(CLIPS_DIR)
  ? 'no ../shared/media/clips here'
  : missing.length
    ? `missing clips: ${missing.join(', ')}`
    : false;

/** `ffmpeg -ac 1 -ar 16000 -f s16le`: the reference samples. */
function reference(path: string, filter: string[] = []): Int16Array {
  const bytes = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-vn', ...filter, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'],
    { maxBuffer: 1 << 28 },
  );
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}

const lateSound = (container: 'mp4' | 'webm' | 'mkv') =>
  withSoundStartingLate(container, clip('PCAVS_misc_Audio_Source_00104.mp4'));
/** A run's samples on the file's timeline from 0: silence before its start time. */
const placedAt16k = (r: AudioRun) => [
  ...new Array<number>(Math.round(r.startTime! * 16000)).fill(0),
  ...r.pcm,
];

/** Largest lag (16-kHz samples) of a late sound against ffmpeg's placement: AAC exact; Opus's pre-skip (6.5 ms, 104 samples) is trimmed by one and not the other, and block times are whole ms (measured 80–119). */
const LATE_SOUND_LAG: Record<string, number> = { mp4: 1, mkv: 1, webm: 200 };

/** Largest lag (samples) after a dropout: Matroska block times are whole milliseconds (16 samples); Opus as above. */
const DROPOUT_LAG: Record<string, number> = { mp4: 1, mkv: 16, webm: 200 };

/** The lag (samples, b later than a) in ±maxLag with the highest normalised correlation over the common part. */
function bestLag(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  maxLag = 400,
): { lag: number; correlation: number } {
  let best = { lag: 0, correlation: -Infinity };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0,
      aa = 0,
      bb = 0;
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
      const x = a[i],
        y = b[i + lag];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const correlation = ab / Math.sqrt(aa * bb || 1);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

describe('WebCodecs audio source', { skip }, () => {
  let harness: Harness;
  let page: Page;

  before(async () => {
    harness = await openHarness('audio-sources', 'test/harness/audio-sources-page.ts');
    page = harness.page;
  });
  after(async () => {
    await harness?.close();
  });

  const urlOf = mediaUrl;
  const run = (path: string) =>
    page.evaluate(
      (url) =>
        (
          window as unknown as { runAudio: (u: string) => Promise<{ streamed: AudioRun; whole: AudioRun }> }
        ).runAudio(url),
      urlOf(path),
    );

  it('gives the reference sound at the reference time on real clips, as decodeAudioData did', async (t) => {
    for (const name of CLIPS) {
      const path = clip(name);
      const { streamed, whole } = await run(path);
      assert.match(streamed.source, /^webcodecs/, `${name}: ${streamed.source}`);
      assert.equal(streamed.startTime, 0, `${name}: first sample at media time 0`);
      const ref = reference(path);
      const vsRef = bestLag(ref, streamed.pcm);
      const vsWhole = bestLag(whole.pcm, streamed.pcm);
      t.diagnostic(
        `${name}: ${streamed.source}, ${streamed.pcm.length} samples (ffmpeg ${ref.length}, decodeAudioData ${whole.pcm.length}); vs ffmpeg lag ${vsRef.lag} r ${vsRef.correlation.toFixed(4)}; vs decodeAudioData lag ${vsWhole.lag} r ${vsWhole.correlation.toFixed(4)}`,
      );
      assert.equal(vsRef.lag, 0, `${name}: ${vsRef.lag} samples off the reference`);
      assert.ok(vsRef.correlation > 0.98, `${name}: correlation with the reference ${vsRef.correlation}`);
      assert.equal(vsWhole.lag, 0, `${name}: ${vsWhole.lag} samples off decodeAudioData`);
      // Lengths: within one AAC frame (1024 samples at the source rate) of the reference.
      assert.ok(
        Math.abs(streamed.pcm.length - ref.length) <= 1024,
        `${name}: ${streamed.pcm.length} samples vs ${ref.length}`,
      );
    }
  });

  it('a sound that starts after the picture (MP4 empty edit, WebM, Matroska): both paths put it where ffmpeg does', async (t) => {
    for (const [path, streams] of [
      [lateSound('mp4'), true],
      [lateSound('webm'), false],
      [lateSound('mkv'), false],
    ] as const) {
      const { streamed, whole } = await run(path);
      const ref = reference(path, ['-af', 'aresample=async=1:first_pts=0']); // silence before the sound
      const runs = streams ? [streamed, whole] : [whole];
      assert.match(streamed.source, streams ? /^webcodecs/ : /^declined/, path);
      for (const r of runs) {
        const placed = placedAt16k(r);
        const { lag, correlation } = bestLag(ref, placed, 1600);
        t.diagnostic(
          `${path.split('/').at(-1)}: ${r.source}, starts at ${r.startTime!.toFixed(4)} s; vs ffmpeg lag ${lag} samples, r ${correlation.toFixed(4)}`,
        );
        assert.ok(r.startTime! > 0.9, `${path}: ${r.source} starts at ${r.startTime} s`);
        assert.ok(
          Math.abs(lag) <= LATE_SOUND_LAG[path.split('.').at(-1)!],
          `${path}: ${r.source} ${lag} samples off`,
        );
        assert.ok(correlation > 0.95, `${path}: correlation ${correlation}`);
      }
    }
  });

  it('a sound with a 2-s dropout: after it, both paths keep the sound at its own times (MP4 sliced; Matroska, WebM whole)', async (t) => {
    for (const [path, streams] of [
      [withSoundDropout('mp4', clip('HyperLips_test_video1_video1.mp4')), true],
      [withSoundDropout('mkv', clip('HyperLips_test_video1_video1.mp4')), false],
      [withSoundDropout('webm', clip('HyperLips_test_video1_video1.mp4')), false],
    ] as const) {
      const { streamed, whole } = await run(path);
      assert.match(streamed.source, streams ? /^webcodecs/ : /^declined/, path);
      const r = streams ? streamed : whole;
      // ffmpeg fills the gap with silence; compare 6.5–9 s, after it.
      const ref = reference(path, ['-af', 'aresample=async=1:first_pts=0']).subarray(104000, 144000);
      const placed = placedAt16k(r).slice(104000, 144000);
      const { lag, correlation } = bestLag(ref, placed);
      const extension = path.split('.').at(-1)!;
      t.diagnostic(
        `${extension}: ${r.source}, after the gap lag ${lag} samples, r ${correlation.toFixed(4)}`,
      );
      assert.ok(
        Math.abs(lag) <= DROPOUT_LAG[extension] && correlation > 0.8,
        `${path}: lag ${lag}, r ${correlation}`,
      );
    }
  });

  it('declines what it does not handle, so the file is decoded whole instead', async () => {
    const mp3 = makeMedia('mp3-in-mp4', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:sample_rate=44100',
      '-t',
      '1',
      '-c:a',
      'libmp3lame',
    ]);
    const { streamed, whole } = await run(mp3);
    assert.match(streamed.source, /^declined: audio object type 0x6b/);
    assert.equal(whole.source, 'decodeAudioData');
    assert.ok(whole.pcm.length > 15000);
  });
});
