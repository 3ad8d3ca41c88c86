// npm run bench — throughput of the engine's stages in headless Chromium on this machine:
// frames/s for 640×360 and 1280×720 input, per stage (landmarks, features, model) and in
// total, for the embedded model and for SyncNet v2 with random weights, naming the TF.js
// backend the engine chose by measurement; then live time to verdict on the fixture pages
// (scripts/bench/time-to-verdict.ts: file, hls.js, dash.js, shaka-player, a call, tab
// capture; LIPSYNC_BENCH_LIVE=0 leaves it out, LIPSYNC_BENCH_ONLY=live runs only it).
// `--scaling[=1,10,60]` instead checks one clip looped to those lengths and prints seconds
// per video second and peak memory (scripts/lib/bench-scaling.ts); with `--formats=h264,mpeg4`
// each length also as MPEG-4 Part 2, which the check converts with ffmpeg as it goes; with
// `--repeat=N` each length N times, in rounds, the ratios between the median runs.
// `--strides[=10] [--loop=S]` compares checks with the lips on every 2nd, 3rd, 5th, 10th window
// against every window, each file looped to S seconds first with --loop
// (scripts/lib/bench-strides.ts). `--live-models` runs a live check at 25 fps, 640×360 with
// the embedded model and with SyncNet v2 and prints the frames that reached the engine and
// those it counted lost (scripts/bench/live-models.ts).
// A benchmark, not a test: it asserts nothing.
import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { bundleTestPage, LANDMARKER_WORKER_URL } from './lib/bundle';
import { serveStatic, CLIPS_DIR } from './lib/server';
import { launchBrowser } from './lib/chromium';
import { runScaling, type ScalingFormat } from './lib/bench-scaling';
import { runStrides } from './lib/bench-strides';
import { LIP_STRIDES } from '../src/engine/lip-stride';
import { benchTimeToVerdict, printTimeToVerdict } from './bench/time-to-verdict';
import { benchLiveModels, printLiveModels } from './bench/live-models';

const CLIP = process.env.LIPSYNC_BENCH_CLIP ?? 'HyperLips_test_video1_video1.mp4';
const FRAMES = Number(process.env.LIPSYNC_BENCH_FRAMES ?? 100);
/** 1280×720 with a single face (the bench clip's slide shows a second, cartoon face). */
const ONE_FACE_CLIP = process.env.LIPSYNC_BENCH_ONE_FACE_CLIP ?? 'HyperLips_test_video2_video2.mp4';

function loadAverage(): string {
  return existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : 'unknown';
}

/** `--scaling` or `--scaling=1,10,60`: minutes of looped clip to check end to end (the scaling block only). */
function scalingMinutes(argv: string[]): number[] | null {
  const arg = argv.find((a) => a === '--scaling' || a.startsWith('--scaling='));
  if (!arg) return null;
  const list = arg.includes('=') ? arg.split('=')[1].split(',').map(Number) : [1, 10, 60];
  if (list.some((m) => !(m > 0)))
    throw new Error(`--scaling wants minutes, e.g. --scaling=1,10,60 (got ${arg})`);
  return list;
}

/** `--formats=h264,mpeg4`: which encodings of each length the scaling block checks (h264 alone by default). */
function scalingFormats(argv: string[]): ScalingFormat[] {
  const arg = argv.find((a) => a.startsWith('--formats='));
  const list = (arg?.split('=')[1] ?? 'h264').split(',');
  if (list.some((f) => f !== 'h264' && f !== 'mpeg4'))
    throw new Error(`--formats wants h264 and/or mpeg4, e.g. --formats=h264,mpeg4 (got ${arg})`);
  return list as ScalingFormat[];
}

/** `--repeat=N`: runs of each scaling length (ratios then compare the median runs). */
function scalingRepeat(argv: string[]): number {
  const arg = argv.find((a) => a.startsWith('--repeat='));
  const repeat = arg ? Number(arg.split('=')[1]) : 1;
  if (!(Number.isInteger(repeat) && repeat >= 1))
    throw new Error(`--repeat wants a whole number ≥ 1 (got ${arg})`);
  return repeat;
}

async function main() {
  const strides = process.argv.slice(2).find((a) => a === '--strides' || a.startsWith('--strides='));
  if (strides) {
    const count = strides.includes('=') ? Number(strides.split('=')[1]) : 10;
    if (!(Number.isInteger(count) && count >= 1))
      throw new Error(`--strides wants a number of speakers (got ${strides})`);
    const loop = process.argv.slice(2).find((a) => a.startsWith('--loop='));
    const loopSeconds = loop ? Number(loop.split('=')[1]) : null;
    if (loopSeconds !== null && !(Number.isInteger(loopSeconds) && loopSeconds >= 1))
      throw new Error(`--loop wants whole seconds (got ${loop})`);
    await runStrides(CLIPS_DIR, resolve(CLIPS_DIR, '..', 'MANIFEST.tsv'), count, loopSeconds);
    return;
  }
  if (process.argv.includes('--live-models')) {
    printLiveModels(await benchLiveModels());
    return;
  }
  const scaling = scalingMinutes(process.argv.slice(2));
  if (scaling) {
    await runScaling(
      resolve(CLIPS_DIR, process.env.LIPSYNC_BENCH_SCALING_CLIP ?? 'PCAVS_misc_Audio_Source_00104.mp4'),
      scaling,
      scalingFormats(process.argv.slice(2)),
      scalingRepeat(process.argv.slice(2)),
    );
    return;
  }
  const only = process.env.LIPSYNC_BENCH_ONLY;
  if (only !== 'live') await benchStages();
  if (process.env.LIPSYNC_BENCH_LIVE !== '0') printTimeToVerdict(await benchTimeToVerdict());
}

async function benchStages() {
  if (!existsSync(resolve(CLIPS_DIR, CLIP)))
    throw new Error(
      `bench clip ${CLIP} not found in ${CLIPS_DIR} (set LIPSYNC_SHARED or LIPSYNC_BENCH_CLIP)`,
    );
  if (!existsSync('models/face_landmarker.task'))
    throw new Error('models/face_landmarker.task missing — run npm run models');
  const page = await bundleTestPage('bench', 'scripts/bench/bench-page.ts');
  const server = await serveStatic();
  const browser = await launchBrowser();
  try {
    const tab = await browser.newPage();
    await tab.goto(`${server.origin}/${page}`);
    const assets = {
      mediapipeWasmBase: `${server.origin}/node_modules/@mediapipe/tasks-vision/wasm`,
      faceLandmarkerUrl: `${server.origin}/models/face_landmarker.task`,
      tfWasmBase: `${server.origin}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`,
      embeddedModelBase: `${server.origin}/models/embedded`,
      landmarkerWorkerUrl: `${server.origin}${LANDMARKER_WORKER_URL}`,
    };
    const report = await tab.evaluate((args) => window.runBench(args), {
      clipUrl: `/media/clips/${CLIP}`,
      assets,
      frames: FRAMES,
      ...(existsSync(resolve(CLIPS_DIR, ONE_FACE_CLIP))
        ? { oneFaceClipUrl: `/media/clips/${ONE_FACE_CLIP}` }
        : {}),
    });
    console.log(
      `backend: ${report.backend} (${report.reason}); landmarks on ${report.results[0]?.landmarkingOn}; ` +
        `clip ${CLIP}, ${FRAMES} frames per row; load average ${loadAverage()}`,
    );
    console.log(
      'model                        input          landmarks  features    model    TOTAL   (lip win/s, audio win/s)  ' +
        'ms/frame: landmarks features model',
    );
    for (const r of report.results) {
      const f = (v: number) => v.toFixed(1).padStart(8);
      const ms = (fps: number) => (1000 / fps).toFixed(2).padStart(7);
      const input = `${r.resolution}@${r.sourceFps}`;
      const rates = `${f(r.landmarksFps)} ${f(r.featuresFps)} ${f(r.modelFps)} ${f(r.totalFps)}`;
      const windows = `(${r.lipWindowsPerSec.toFixed(1)}, ${r.audioWindowsPerSec.toFixed(1)})`;
      console.log(
        `${r.model.padEnd(28)} ${input.padEnd(14)} ${rates}   ${windows}`.padEnd(110) +
          `${ms(r.landmarksFps)} ${ms(r.featuresFps)} ${ms(r.modelFps)}` +
          (r.observedFrames < r.frames ? `   (${r.observedFrames}/${r.frames} frames landmarked)` : ''),
      );
    }
    // What a live check with SyncNet v2 does when its lips cannot keep up (src/engine/lip-stride.ts).
    for (const r of report.results.filter((x) => x.model.startsWith('syncnet-v2') && x.sourceFps === 25)) {
      const perFrame = (stride: number) =>
        1 / r.landmarksFps + 1 / r.featuresFps + 1 / r.lipWindowsPerSec / stride + 1 / r.audioWindowsPerSec;
      console.log(
        `  ${r.resolution} syncnet-v2, lips on every n-th window: ` +
          LIP_STRIDES.map((n) => `n=${n} ${(1 / perFrame(n)).toFixed(1)}`).join(', ') +
          ' frames/s TOTAL (25 needed for live 25-fps video)',
      );
    }
    console.log(
      'frames/s per stage, per source frame; TOTAL = 1 / (sum of per-frame stage times); @fps = source frame rate (above 25 fps only the frames',
    );
    console.log(
      `the 25-fps grid shows are landmarked); one-face clip: ${ONE_FACE_CLIP}; targets: embedded ≥ 50 frames/s, SyncNet v2 lip ≥ 64 windows/s`,
    );
    const file = report.fileCheck;
    console.log(
      "file check end to end (as npm run check: shipped embedded model, the file page's frame source — " +
        `WebCodecs for MP4/MOV H.264 — landmarks on ${file.landmarking}): ` +
        `${file.frames} frames of ${CLIP} (${file.durationS.toFixed(1)} s) at ${file.framesPerSec.toFixed(1)} frames/s; ` +
        `whole check ${file.totalSeconds.toFixed(1)} s, verdict ${file.verdict}`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: Error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
