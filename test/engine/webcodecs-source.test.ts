// The WebCodecs frame source (src/engine/webcodecs-source.ts, fed by src/core/media/mp4.ts)
// against the <video> playback loop it replaces, in real Chromium on real clips: the same
// presentation times frame for frame, and the same pictures (first, middle, last frame);
// files it does not handle are declined before any frame. The page is
// test/harness/frame-sources-page.ts. LIPSYNC_SWEEP=1 runs every MP4/MOV in ../shared/media/clips.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { mediaUrl, openHarness, type Harness } from '../helpers/harness';
import { clip, makeMedia, MEDIA_DIR, X264_FAST } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';
import type { SourceRun } from '../harness/frame-sources-page';

const CLIPS = [
  'HyperLips_test_video1_video1.mp4', // 25 fps, timescale 25, no B-frames
  'PCAVS_misc_Audio_Source_00104.mp4', // 25 fps, B-frames, edit list media_time 1024 (12800 timescale)
  'VExpress_test_samples_short_case_AOC_gt.mp4', // 29.97 fps, timescale 30000
  'Wav2Lip_checkpoints_test.mov', // 30 fps QuickTime, edit list that ends before the last frame
  'VExpress_scripts_prepare_dataset_RD_Radio10_0_clip_0.mp4', // 29.97 fps, edit of 2.069 s hides the last frame
  'videoretalking_examples_face_1.mp4', // an empty edit of 33 ms first: the picture starts that late
];
const DECLINED: [string, RegExp][] = [
  ['HyperLips_test_audio_M003-002.mp4', /hev1/], // HEVC
  ['SadTalker_docs_still1.mp4', /mp4v/], // MPEG-4 Part 2
];
const sweep = process.env.LIPSYNC_SWEEP === '1';
const missing = [...CLIPS, ...DECLINED.map(([c]) => c)].filter((c) => !existsSync(clip(c)));
const skip = !existsSync(CLIPS_DIR)
  ? 'no ../shared/media/clips here'
  : missing.length
    ? `missing clips: ${missing.join(', ')}`
    : false;

/** Mean absolute difference of two RGBA block-mean grids, in 8-bit levels. */
const meanAbsDiff = (a: number[], b: number[]) =>
  a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;

describe('WebCodecs frame source', { skip }, () => {
  let harness: Harness;
  let page: Page;

  before(async () => {
    harness = await openHarness('frame-sources', 'test/harness/frame-sources-page.ts');
    page = harness.page;
  });
  after(async () => {
    await harness?.close();
  });

  const urlOf = mediaUrl;
  const run = (path: string, which: 'webcodecs' | 'playback' | 'both') =>
    page.evaluate(
      ([url, w]) =>
        (window as unknown as { runSources: (u: string, w: string) => Promise<SourceRun[]> }).runSources(
          url,
          w,
        ),
      [urlOf(path), which] as const,
    );

  /** Both sources on one file: equal times, equal pictures at the ends and the middle. */
  async function compare(path: string): Promise<string> {
    const [decoded, played] = await run(path, 'both');
    assert.equal(decoded.source, 'webcodecs', `${path}: WebCodecs declined`);
    assert.equal(
      decoded.times.length,
      played.times.length,
      `${path}: ${decoded.times.length} decoded frames, ${played.times.length} played`,
    );
    for (const [i, t] of decoded.times.entries())
      assert.ok(
        Math.abs(t - played.times[i]) < 1e-6,
        `${path} frame ${i}: ${t} s decoded, ${played.times[i]} s played`,
      );
    const n = decoded.times.length;
    // Thumbnails of frames 0, n/2 and n−1 of each run (the counts are equal).
    const diffs = decoded.thumbs.map((thumb, i) => meanAbsDiff(thumb, played.thumbs[i]));
    for (const d of diffs) assert.ok(d < 2, `${path}: picture differs by ${d.toFixed(2)} levels`);
    return `${n} frames, picture differences ${diffs.map((d) => d.toFixed(2)).join(' / ')} levels`;
  }

  it("gives the <video> loop's times and pictures on real clips (25, 29.97, 30 fps, edit lists)", async (t) => {
    for (const name of CLIPS) t.diagnostic(`${name}: ${await compare(clip(name))}`);
  });

  it('gives the same on an ffmpeg-made clip with B-frames and a 60 fps one', async (t) => {
    const bframes = makeMedia('wc-bframes', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-t',
      '3',
      '-c:v',
      'libx264',
      '-bf',
      '3',
      '-pix_fmt',
      'yuv420p',
    ]);
    const fps60 = makeMedia('wc-60fps', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=60',
      '-t',
      '3',
      ...X264_FAST,
    ]);
    for (const path of [bframes, fps60]) t.diagnostic(`${relative(MEDIA_DIR, path)}: ${await compare(path)}`);
  });

  it('declines what it does not handle, before any frame', async () => {
    for (const [name, reason] of DECLINED) {
      const [decoded] = await run(clip(name), 'webcodecs');
      assert.match(decoded.source, /^playback \(/, name);
      assert.match(decoded.source, reason, name);
      assert.equal(decoded.times.length, 0, name);
    }
  });

  it('every MP4/MOV of ../shared/media/clips (LIPSYNC_SWEEP=1)', { skip: !sweep }, async (t) => {
    const counts = { equal: 0, declined: 0, different: 0 };
    for (const name of readdirSync(CLIPS_DIR)
      .filter((n) => /\.(mp4|mov)$/i.test(n))
      .sort()) {
      const [decoded] = await run(join(CLIPS_DIR, name), 'webcodecs');
      if (decoded.source !== 'webcodecs') {
        counts.declined++;
        t.diagnostic(`${name}: declined, ${decoded.source}`);
        continue;
      }
      try {
        t.diagnostic(`${name}: ${await compare(join(CLIPS_DIR, name))}`);
        counts.equal++;
      } catch (error) {
        counts.different++;
        t.diagnostic(`${name}: DIFFERENT ${(error as Error).message.split('\n')[0]}`);
      }
    }
    t.diagnostic(JSON.stringify(counts));
    assert.equal(counts.different, 0);
  });
});
