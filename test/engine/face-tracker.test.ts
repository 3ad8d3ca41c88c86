// The engine's face tracker (src/engine/face-tracker.ts) in real Chromium on real clips
// from ../shared/media: a close-up, wide shots the plain full-frame landmarker misses,
// crops with `region`, a faceless input, and two faces. The page is
// test/harness/face-tracker-page.ts. Per-frame cost is printed as a diagnostic.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { FaceObservation } from '../../src/core/features';

import { launchBrowser } from '../helpers/browser';
import { bundleTestPage } from '../helpers/bundle';
import { CLIPS_DIR, serveStatic, type StaticServer } from '../helpers/server';
import type {
  CropComparison,
  FrameSummary,
  RepeatedTimestamp,
  RunOptions,
  RunSummary,
  ShotFrame,
  StillCost,
  WorkerComparison,
} from '../harness/face-tracker-page';
import { makeMedia, X264 } from '../helpers/media';

// Clips (rows of ../shared/media/MANIFEST.tsv).
const CLOSE_UP = 'AniPortrait_configs_inference_head_pose_temp_pose_ref_video.mp4'; // 512×512, woman addressing the camera
const TED_WIDE =
  'SparseSync_data_lrs3_h264_uncropped_25fps_256side_16000hz_aac_pretrain_C8zY0oAdQrs_00018.mp4'; // 454×256, small face on a stage
const PORTRAIT = 'icpr2020dfdc_test_data_dfdc_dfdc_train_part_0_brtujopkby.mp4'; // 1080×1920, woman standing in a room
const TWO_SHOT = 'VisualVoice_test_videos_interview.mp4'; // 1280×720 split screen, two men
const MEDIUM = 'HyperLips_test_video2_video2.mp4'; // 1280×720, man seated, face ~150 px

const MODEL = 'models/face_landmarker.task';
const missing = [CLOSE_UP, TED_WIDE, PORTRAIT, TWO_SHOT, MEDIUM].filter(
  (clip) => !existsSync(join(CLIPS_DIR, clip)),
);
const skip = !existsSync(MODEL)
  ? `${MODEL} is missing: run npm run models`
  : missing.length > 0
    ? `clips missing from ${CLIPS_DIR}: ${missing.join(', ')}`
    : false;

let server: StaticServer;
let browser: Browser;
let page: Page;
const requested: string[] = [];

before(async () => {
  if (skip) return;
  const pagePath = await bundleTestPage('face-tracker', 'test/harness/face-tracker-page.ts');
  server = await serveStatic();
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`${server.origin}/${pagePath}`);
  await page.waitForFunction(() => (window as unknown as { harnessReady?: boolean }).harnessReady === true);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const clipUrl = (clip: string) => `/media/clips/${clip}`;

function runTracker(clip: string, options: RunOptions): Promise<RunSummary> {
  return page.evaluate(
    ([url, opts]) =>
      (window as unknown as { runTracker: (u: string, o: RunOptions) => Promise<RunSummary> }).runTracker(
        url,
        opts,
      ),
    [clipUrl(clip), options] as const,
  );
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const ids = (frames: FrameSummary[]) => new Set(frames.flatMap((f) => f.faces.map((face) => face.id)));
const fraction = (frames: FrameSummary[], pass: (f: FrameSummary) => boolean) =>
  frames.filter(pass).length / frames.length;

/** Frames from the first one with a face on (acquisition may take a few frames on a wide shot). */
const fromFirstFace = (frames: FrameSummary[]) =>
  frames.slice(
    Math.max(
      0,
      frames.findIndex((f) => f.faces.length > 0),
    ),
  );

test(
  'close-up talking head: one stable track, lips in the lower face, valid blendshapes, jaw moves',
  { skip },
  async (t) => {
    const run = await runTracker(CLOSE_UP, { seconds: 3 });
    const { frames } = run;
    assert.ok(frames.length >= 30, `only ${frames.length} frames processed`);
    const withFace = fraction(frames, (f) => f.faces.length === 1);
    t.diagnostic(`${frames.length} frames, a face in ${(100 * withFace).toFixed(1)} %`);
    assert.ok(withFace >= 0.95, `a face in ${(100 * withFace).toFixed(1)} % of frames`);
    assert.deepEqual([...ids(frames)], [1], 'one trackId throughout');
    const faces = frames.flatMap((f) => f.faces);
    for (const face of faces) {
      assert.ok(face.lipsInside, `lip landmarks outside the box ${face.box}`);
      assert.ok(
        face.lips[1] > 0.55 && face.lips[1] < 0.9 && face.lips[0] > 0.3 && face.lips[0] < 0.7,
        `lips at ${face.lips} of the box`,
      );
      assert.ok(face.blendshapesOk, '52 blendshapes in [0, 1]');
      assert.equal(face.poseLength, 16);
      assert.ok(face.box[2] > 150 && face.box[2] < 400, `box ${face.box}`);
    }
    const jaw = faces.map((f) => f.jawOpen);
    const spread = Math.max(...jaw) - Math.min(...jaw);
    const sd = Math.sqrt(mean(jaw.map((v) => (v - mean(jaw)) ** 2)));
    t.diagnostic(
      `jawOpen ${Math.min(...jaw).toFixed(3)}–${Math.max(...jaw).toFixed(3)}, sd ${sd.toFixed(3)}`,
    );
    assert.ok(spread > 0.15 && sd > 0.03, `jawOpen barely moves: range ${spread}, sd ${sd}`);
    // suggestedRegion(): around the face, except before frames that scan the whole picture.
    const withRegion = frames.filter((f) => f.region);
    t.diagnostic(`suggestedRegion() given after ${withRegion.length}/${frames.length} frames`);
    assert.ok(withRegion.length >= 0.6 * frames.length);
    for (const f of withRegion) {
      const r = f.region!;
      const [x, y, w, h] = f.faces[0].box;
      assert.ok(
        r.x <= x && r.y <= y && r.x + r.width >= x + w && r.y + r.height >= y + h,
        `region ${JSON.stringify(r)} around ${f.faces[0].box}`,
      );
    }
  },
);

test(
  'a seek back (newSegment, media time jumps back): timestamps stay valid, the same track id continues',
  { skip },
  async (t) => {
    const run = await runTracker(CLOSE_UP, { seconds: 1, rewindAt: 1.5 });
    const before = run.frames.filter((f) => f.segment === 0);
    const after = run.frames.filter((f) => f.segment === 1);
    t.diagnostic(
      `${before.length} frames before the seek (to ${before.at(-1)?.t.toFixed(2)} s), ${after.length} after (from ${after[0]?.t.toFixed(2)} s)`,
    );
    assert.ok(before.length > 10 && after.length > 10);
    assert.ok(after[0].t < before.at(-1)!.t, 'media time went back');
    assert.ok(fraction(after, (f) => f.faces.length === 1) >= 0.95);
    assert.deepEqual([...ids(run.frames)], [1], 'the face keeps its id across the seek');
    assert.ok(
      before.every((f) => f.shot === 0) && after.every((f) => f.shot === 1),
      'a new segment is a new shot (FrameObservation.shot)',
    );
  },
);

async function assertWideShotFound(t: TestContext, clip: string, seconds: number, near: [number, number]) {
  const run = await runTracker(clip, { seconds, plain: true });
  const { frames } = run;
  const plainHits = frames.filter((f) => (f.plainFaces ?? 0) > 0).length;
  const tracked = fromFirstFace(frames);
  const found = frames.length - tracked.length;
  const withFace = fraction(tracked, (f) => f.faces.length === 1);
  t.diagnostic(
    `${clip} ${run.width}×${run.height}: plain full-frame landmarker found a face in ${plainHits}/${frames.length} frames; ` +
      `tracker from frame ${found} (t=${tracked[0]?.t.toFixed(2)} s) on, in ${(100 * withFace).toFixed(1)} % of frames`,
  );
  assert.equal(
    plainHits,
    0,
    'the plain full-frame landmarker finds this face: not a wide-shot case any more',
  );
  assert.ok(tracked.length > 0 && tracked[0].t < 1.2, 'the tiles found the face within 1.2 s');
  assert.ok(withFace >= 0.9, `tracked in ${(100 * withFace).toFixed(1)} % of frames after acquisition`);
  assert.equal(ids(frames).size, 1, `one track, got ids ${[...ids(frames)]}`);
  for (const face of tracked.flatMap((f) => f.faces)) {
    const cx = face.box[0] + face.box[2] / 2;
    const cy = face.box[1] + face.box[3] / 2;
    assert.ok(Math.hypot(cx - near[0], cy - near[1]) < 60, `face at ${cx},${cy}, expected near ${near}`);
  }
}

test(
  'wide shot (TED stage, 454×256): the plain landmarker finds nothing, the tiles find the face',
  { skip },
  async (t) => {
    await assertWideShotFound(t, TED_WIDE, 3, [310, 58]);
  },
);

test(
  'portrait 1080×1920 (person standing): the plain landmarker finds nothing, the tiles find the face',
  { skip },
  async (t) => {
    // 3 s, not 2: once the tiles find the face, the second landmarker worker misses it on its
    // first few frames (every other frame in the first ~0.4 s: measured 3–5 of 45 frames), so
    // over 2 s the share tracked was 88.9–93.8 % in five runs — at the 90 % bar by start-up alone.
    await assertWideShotFound(t, PORTRAIT, 3, [680, 700]);
  },
);

test('a crop with `region` maps to the same video coordinates as the whole frame', { skip }, async (t) => {
  const region = { x: 400, y: 0, width: 560, height: 480 };
  for (const cropScale of [1, 0.5]) {
    const result = await page.evaluate(
      ([url, r, s]) =>
        (
          window as unknown as {
            compareCrop: (u: string, t: number, r: object, s: number) => Promise<CropComparison>;
          }
        ).compareCrop(url, 2, r, s),
      [clipUrl(MEDIUM), region, cropScale] as const,
    );
    assert.equal(result.full.length, 1);
    assert.equal(result.crop.length, 1);
    const difference = Math.max(...result.full[0].box.map((v, i) => Math.abs(v - result.crop[0].box[i])));
    t.diagnostic(
      `crop at ${cropScale}× size: full ${result.full[0].box}, crop ${result.crop[0].box}, max difference ${difference.toFixed(1)} px`,
    );
    assert.ok(difference <= (cropScale === 1 ? 3 : 5), `boxes differ by ${difference} px`);
    const [zFull, zCrop] = [result.full[0].zSpan, result.crop[0].zSpan];
    assert.ok(
      Math.abs(zCrop - zFull) <= 0.1 * zFull,
      `depth scaled like x: z span ${zFull.toFixed(1)} vs ${zCrop.toFixed(1)} px`,
    );
    const [x, y, w, h] = result.crop[0].box;
    assert.ok(
      x >= region.x && y >= region.y && x + w <= region.x + region.width && y + h <= region.y + region.height,
      'inside the region, in video pixels',
    );
  }
});

test(
  'faceless input (noise): no faces, no crash, and little cost while nothing is there',
  { skip },
  async (t) => {
    const frames = await page.evaluate(() =>
      (
        window as unknown as { runNoise: (n: number, w: number, h: number) => Promise<FrameSummary[]> }
      ).runNoise(50, 640, 360),
    );
    assert.equal(frames.length, 50);
    assert.deepEqual(
      frames.filter((f) => f.faces.length > 0).map((f) => f.t),
      [],
    );
    const ms = frames.slice(1).map((f) => f.ms);
    t.diagnostic(
      `noise 640×360: mean ${mean(ms).toFixed(1)} ms/frame, ${ms.filter((v) => v > 1).length}/${ms.length} frames scanned tiles`,
    );
    assert.ok(ms.filter((v) => v > 1).length < ms.length / 2, 'tile scans rest between cycles');
  },
);

test(
  'two people (split-screen interview): two distinct, stable tracks that never swap',
  { skip },
  async (t) => {
    const run = await runTracker(TWO_SHOT, { seconds: 3 });
    const frames = fromFirstFace(run.frames);
    const both = fraction(frames, (f) => f.faces.length === 2);
    t.diagnostic(
      `${frames.length} frames, both faces in ${(100 * both).toFixed(1)} %, ids ${[...ids(frames)]}`,
    );
    assert.ok(both >= 0.9, `both faces in only ${(100 * both).toFixed(1)} % of frames`);
    assert.equal(ids(frames).size, 2, `ids ${[...ids(frames)]}`);
    const side = new Map<number, 'left' | 'right'>();
    for (const face of frames.flatMap((f) => f.faces)) {
      const where = face.box[0] + face.box[2] / 2 < run.width / 2 ? 'left' : 'right';
      assert.equal(side.get(face.id) ?? where, where, `track ${face.id} moved to the ${where}`);
      side.set(face.id, where);
    }
    assert.deepEqual(new Set(side.values()), new Set(['left', 'right']));
  },
);

test('two faces composed side by side from one clip: two tracks, one per copy', { skip }, async (t) => {
  const run = await runTracker(CLOSE_UP, { seconds: 2, sideBySide: true });
  const frames = fromFirstFace(run.frames);
  const both = fraction(frames, (f) => f.faces.length === 2);
  t.diagnostic(
    `${run.width}×${run.height}: both copies in ${(100 * both).toFixed(1)} % of ${frames.length} frames`,
  );
  assert.ok(both >= 0.9);
  assert.equal(ids(frames).size, 2);
  for (const f of frames.filter((frame) => frame.faces.length === 2)) {
    const [a, b] = [...f.faces].sort((p, q) => p.box[0] - q.box[0]);
    // The copies are identical: the right face is the left one shifted by half the width.
    assert.ok(Math.abs(b.box[0] - a.box[0] - run.width / 2) < 6, `copies ${a.box} / ${b.box}`);
  }
});

test(
  'cost per frame at 640×360 and 1280×720 (diagnostic), and no request leaves 127.0.0.1',
  { skip },
  async (t) => {
    for (const [width, height] of [
      [640, 360],
      [1280, 720],
    ]) {
      const cost = await page.evaluate(
        ([url, w, h]) =>
          (
            window as unknown as {
              stillCost: (u: string, t: number, w: number, h: number, n: number) => Promise<StillCost>;
            }
          ).stillCost(url, 2, w, h, 60),
        [clipUrl(MEDIUM), width, height] as const,
      );
      assert.ok(cost.faces >= 58, `the face was tracked in ${cost.faces}/60 frames`);
      // The first frames create graphs and acquire; the steady state is what a long video costs.
      const tracker = cost.trackerMs.slice(10);
      const plain = cost.plainMs.slice(10);
      t.diagnostic(
        `${width}×${height} still, 1 face: tracker ${mean(tracker).toFixed(1)} ms/frame (median ${median(tracker).toFixed(1)}), ` +
          `plain full-frame landmarker ${mean(plain).toFixed(1)} ms (median ${median(plain).toFixed(1)})`,
      );
    }
    const foreign = requested.filter(
      (url) => !url.startsWith(server.origin) && !url.startsWith('blob:') && !url.startsWith('data:'),
    );
    assert.deepEqual(foreign, [], 'remote requests');
    assert.ok(requested.some((url) => url.endsWith('/models/face_landmarker.task')));
  },
);

test(
  'landmarker workers: the same faces as on one thread, frames in parallel, results in order; a worker that cannot load falls back',
  { skip },
  async (t) => {
    const frames = 30;
    const run = await page.evaluate(
      ([url, n]) =>
        (
          window as unknown as { compareWorkers: (u: string, n: number) => Promise<WorkerComparison> }
        ).compareWorkers(url, n),
      [clipUrl(MEDIUM), frames] as const,
    );
    t.diagnostic(`landmarking on: ${run.where.workers}; ${run.where.inThread}; ${run.where.badWorkerUrl}`);
    assert.equal(run.where.workers, '2 workers');
    assert.equal(run.parallelFrames.workers, 2);
    assert.equal(run.parallelFrames.inThread, 1);
    assert.match(run.where.inThread, /^this thread \(no worker URL\)$/);
    assert.match(run.where.badWorkerUrl, /^this thread \(workers failed to start/);
    assert.deepEqual(
      run.pipelinedOrder,
      Array.from({ length: frames }, (_, i) => i / 25),
      'pipelined results come back in call order',
    );
    const maxDifference = (a: FaceObservation[][], b: FaceObservation[][]) => {
      let worst = 0;
      a.forEach((faces, i) => {
        assert.equal(b[i].length, faces.length, `frame ${i}: ${faces.length} vs ${b[i].length} faces`);
        faces.forEach((face, k) => {
          assert.equal(b[i][k].trackId, face.trackId);
          face.landmarks.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][k].landmarks[j]))));
        });
      });
      return worst;
    };
    assert.ok(
      run.inThread.every((faces) => faces.length === 1),
      'one face in every frame on one thread',
    );
    // Same pictures, same landmarker: the workers reproduce the one-thread tracker exactly.
    const oneAtATime = maxDifference(run.inThread, run.workersOneAtATime);
    const broken = maxDifference(run.inThread, run.badWorkerUrl);
    assert.equal(
      oneAtATime,
      0,
      `workers, one frame at a time: landmarks moved by up to ${oneAtATime.toFixed(2)} px`,
    );
    assert.equal(
      broken,
      0,
      `fallback after a worker failed to start: landmarks moved by up to ${broken.toFixed(2)} px`,
    );
    // Pipelined, a frame is planned before the previous one's landmarks are in: the frame
    // after the one that found the face is searched on tiles again (finder landmarks, a
    // little off), and later ROIs may be one frame older. The ROI moves only on larger
    // motion, so the mosaics, and the landmarks, are mostly the same (measured: identical
    // from the third frame on).
    const pipelined = maxDifference(run.inThread.slice(2), run.workersPipelined.slice(2));
    const firstFrames = maxDifference(run.inThread.slice(0, 2), run.workersPipelined.slice(0, 2));
    assert.ok(pipelined < 2, `pipelined landmarks moved by up to ${pipelined.toFixed(2)} px`);
    assert.ok(
      firstFrames < 30,
      `pipelined landmarks of the first two frames moved by up to ${firstFrames.toFixed(2)} px`,
    );
    // Workers replaced by fresh ones every 5 frames (src/engine/renewing-worker.ts, as a long
    // check does every RENEW_WORKER_AFTER_JOBS): every replacement took over, and the face
    // goes on as the same track in every frame; a fresh landmarker finds the face in the
    // mosaic anew instead of following it, so its first frame may differ a little.
    t.diagnostic(
      `replacements in service ${run.renewedAt.map((r) => `${r.waitedMs} ms`).join(', ')} after they were due`,
    );
    assert.deepEqual(
      run.renewedAt.map(({ frame, renewals }) => ({ frame, renewals })),
      [10, 20, 30].map((frame) => ({ frame, renewals: frame / 5 })),
      'both workers replaced after every 5 frames each',
    );
    const renewed = maxDifference(run.inThread, run.renewing);
    t.diagnostic(`renewed workers: landmarks moved by up to ${renewed.toFixed(2)} px`);
    assert.ok(renewed < 2, `renewed workers: landmarks moved by up to ${renewed.toFixed(2)} px`);
  },
);

test(
  'a landmarker that fails a job (a repeated VIDEO-mode timestamp) marks its pool failed, in a worker and on the page',
  { skip },
  async () => {
    for (const workers of [2, 0]) {
      const run = await page.evaluate(
        (n) =>
          (
            window as unknown as { repeatTimestamp: (n: number) => Promise<RepeatedTimestamp> }
          ).repeatTimestamp(n),
        workers,
      );
      assert.equal(run.failedBefore, false, `${run.where}: not failed after a good job`);
      assert.match(run.error, /timestamp/i, `${run.where}: MediaPipe refuses the repeated timestamp`);
      assert.equal(run.failedAfter, true, `${run.where}: failed after the refused job`);
    }
  },
);

// Shots (issue 10): two speakers in turn, each in their own shot, must never be one track.
const SPEAKER_A = 'PCAVS_misc_Audio_Source_00104.mp4'; // 224×224 close-up, man
const SPEAKER_B = 'HyperLips_test_video1_video1.mp4'; // 1278×720, woman

function runShots(url: string, count: number, track: boolean): Promise<ShotFrame[]> {
  return page.evaluate(
    ([u, n, tr]) =>
      (
        window as unknown as { runShots: (u: string, n: number, t: boolean) => Promise<ShotFrame[]> }
      ).runShots(u, n, tr),
    [url, count, track] as const,
  );
}

test(
  'a cut between two speakers (3 s of one, 3 s of another, 640×360 at 25 fps): found at 3.0 s ± 1 frame, new track ids after it',
  { skip },
  async (t) => {
    const scale = 'scale=640:360,setsar=1,fps=25';
    const made = makeMedia('two-speakers-cut', [
      '-i',
      join(CLIPS_DIR, SPEAKER_A),
      '-i',
      join(CLIPS_DIR, SPEAKER_B),
      '-filter_complex',
      `[0:v]trim=0:3,setpts=PTS-STARTPTS,${scale}[a];[1:v]trim=0:3,setpts=PTS-STARTPTS,${scale}[b];[a][b]concat=n=2:v=1[v]`,
      '-map',
      '[v]',
      ...X264,
    ]);
    const frames = await runShots(`/test/.generated/media/${made.split('/').pop()}`, 150, true);
    const cuts = frames.filter((f) => f.cut);
    t.diagnostic(
      `cuts at ${cuts.map((f) => f.t.toFixed(2)).join(', ')} s; shots ${[...new Set(frames.map((f) => f.shot))]}`,
    );
    assert.equal(cuts.length, 1, 'one cut');
    assert.ok(Math.abs(cuts[0].t - 3) <= 0.041, `cut at ${cuts[0].t} s`);
    const before = frames.filter((f) => f.t < cuts[0].t);
    const after = frames.filter((f) => f.t >= cuts[0].t);
    assert.ok(
      before.every((f) => f.shot === 0) && after.every((f) => f.shot === 1),
      'FrameObservation.shot: 0 before the cut, 1 from it',
    );
    const idsBefore = new Set(before.flatMap((f) => f.ids));
    const idsAfter = new Set(after.flatMap((f) => f.ids));
    t.diagnostic(
      `ids before ${[...idsBefore]}, after ${[...idsAfter]}; after the cut the face is found from frame ${after.findIndex((f) => f.ids.length > 0)}`,
    );
    const oneFace = (run: ShotFrame[]) => run.filter((f) => f.ids.length === 1).length / run.length;
    assert.ok(
      oneFace(before) >= 0.9 && oneFace(after) >= 0.9,
      `one face each side: ${oneFace(before)}, ${oneFace(after)}`,
    );
    assert.deepEqual(
      [...idsBefore].filter((id) => idsAfter.has(id)),
      [],
      'no track id on both sides of the cut',
    );
    assert.ok(
      after.findIndex((f) => f.ids.length > 0) <= 3,
      'the new speaker is found within 3 frames of the cut',
    );
  },
);

test(
  'unedited real clips (the two speakers, 4 s each, as the browser decodes them): no cut',
  { skip },
  async (t) => {
    for (const clip of [SPEAKER_A, SPEAKER_B]) {
      const frames = await runShots(clipUrl(clip), 100, false);
      const cuts = frames.filter((f) => f.cut).map((f) => f.t);
      const ms = median(frames.slice(1).map((f) => f.ms)).toFixed(2);
      t.diagnostic(
        `${clip}: ${frames.length} frames, cuts at [${cuts}], signature + detector ${ms} ms a frame ` +
          "(median; the frame's first read, which pays its conversion: the tracker's draws of the same frame then reuse it)",
      );
      assert.equal(frames.length, 100);
      assert.deepEqual(
        frames.filter((f) => f.cut).map((f) => f.t),
        [],
        clip,
      );
    }
  },
);
