// SyncNet window caches end to end (issue #5): `npm run features -- <dir> --model
// syncnet-v2|v4 --weights …` in headless Chromium writes <clip>.<model>.{embedding,pre-fc}
// caches on the feature cache's grid, and `npm run eval` / `npm run finetune --model
// syncnet-v2` read them. Random-init checkpoints (test/helpers/generated.ts), so scores
// mean nothing; what is checked is alignment and that the rows are the model's own:
//  - the windows are exactly every 5-slot window of clipGrid(features) with the face in all
//    5 frames; a clip without a face gets a cache with zero windows;
//  - the engine's own check of the clip (its crops, its embedLip, its offset search) gives
//    the same 31 distances as the cached lip embeddings against audio embedded here;
//  - the embeddings are the fc layers of the pre-fc rows (SyncNetHead, what finetune trains);
//  - eval scores the clip from the cache (the faceless one is cannot-judge); finetune on the
//    pre-fc cache changes only the fc layers;
//  - wrong weights fail with one line before any browser starts.
// One short real clip (3.4 s, 224×224) keeps SyncNet v2's slow lip stream to ~80 windows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { ensureGenerated } from '../helpers/generated';
import { clip, makeMedia, X264 } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';
import { buildCliExtension, Checker } from '../../scripts/lib/checker';
import { mfccSyncnetV2 } from '../../src/core/audio';
import { convertCheckpoint } from '../../src/core/convert';
import { decodeWeights, parseManifest } from '../../src/core/convert/weights-bundle';
import type { ClipFeatures } from '../../src/core/features';
import { createSyncNetModel } from '../../src/core/models';
import type { WeightMap } from '../../src/core/models/types';
import { collectVotes } from '../../src/core/decision/decide';
import { pooledSearch } from '../../src/core/decision/votes';
import { clipWindowEvidence, detectorSpeech } from '../../src/core/train/clip-evidence';
import { clipGrid } from '../../src/core/train/clip-score';
import { SyncNetHead } from '../../src/core/train/syncnet-head';
import {
  lipTracksFromCache,
  parseWindowCache,
  windowCacheName,
  type WindowCacheStage,
} from '../../src/core/train/window-cache';

const skip = existsSync(CLIPS_DIR) ? false : 'no ../shared/media/clips here';
const H264_AAC = [...X264, '-c:a', 'aac', '-b:a', '128k'];

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

function readCache(cacheDir: string, file: string, model: string, stage: WindowCacheStage) {
  const base = join(cacheDir, windowCacheName(file, model, stage));
  return parseWindowCache(
    JSON.parse(readFileSync(`${base}.json`, 'utf8')),
    new Uint8Array(readFileSync(`${base}.bin`)),
    base,
  );
}

const readFeatures = (cacheDir: string, file: string): ClipFeatures =>
  JSON.parse(readFileSync(join(cacheDir, `${file}.features.json`), 'utf8'));

/** What the cache must hold: every (track, segment, slot) whose 5 grid frames all show that track. */
function expectedWindows(features: ClipFeatures): string[] {
  const out: string[] = [];
  clipGrid(features).forEach((segment, s) => {
    for (let i = 0; i + 5 <= segment.frameIndices.length; i++) {
      const frames = segment.frameIndices.slice(i, i + 5);
      const tracks = new Set(features.frames[frames[0]].faces.map((f) => f.trackId));
      for (const t of tracks)
        if (frames.every((f) => features.frames[f].faces.some((face) => face.trackId === t)))
          out.push(`${t}/${s}/${i}`);
    }
  });
  return out.sort();
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

describe('npm run features --model: SyncNet window caches', { skip }, () => {
  let tf: typeof TF;
  const root = mkdtempSync(join(tmpdir(), 'lipsync-windows-'));
  const clips = join(root, 'clips');
  const cache = join(root, 'cache');
  const v2Bundle = join(root, 'v2');
  let v2Checkpoint = '';
  let v4Checkpoint = '';
  const SPEAKER = 'speaker.mp4';
  const FACELESS = 'faceless.mp4';

  before(async () => {
    tf = await useBackend('wasm');
    buildCliExtension();
    v2Checkpoint = join(
      ensureGenerated('scripts/golden/make_syncnet_v2_checkpoint.py', 'syncnet-v2'),
      'syncnet_v2_zip.model',
    );
    v4Checkpoint = join(
      ensureGenerated('scripts/golden/make_syncnet_v4_checkpoint.py', 'syncnet-v4'),
      'syncnet_v4_random.mat',
    );
    mkdirSync(clips);
    // vox-C talking continuously (224×224): 3.4 s is just over the 75 evidence windows eval needs.
    symlinkSync(
      makeMedia('windows-speaker', [
        '-i',
        clip('PCAVS_misc_Audio_Source_00104.mp4'),
        '-t',
        '3.4',
        ...H264_AAC,
      ]),
      join(clips, SPEAKER),
    );
    // A test pattern with another speaker's voice: no face at all.
    symlinkSync(
      makeMedia('windows-faceless', [
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=25',
        '-i',
        clip('LipNet_evaluation_samples_GRID_lbax4n.mpg'),
        '-map',
        '0:v',
        '-map',
        '1:a',
        '-t',
        '3',
        ...H264_AAC,
      ]),
      join(clips, FACELESS),
    );
    const converted = run('scripts/convert.ts', [v2Checkpoint, v2Bundle]);
    assert.equal(converted.status, 0, converted.out);
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('wrong or missing weights: one line, before any browser starts', () => {
    const wrong = run('scripts/features.ts', [
      clips,
      '--out',
      join(root, 'x'),
      '--model',
      'syncnet-v4',
      '--weights',
      v2Checkpoint,
    ]);
    assert.equal(wrong.status, 2, 'nothing could run');
    assert.equal(wrong.out.trim(), `features: ${v2Checkpoint}: holds syncnet-v2 weights, not syncnet-v4`);
    const missing = run('scripts/features.ts', [
      clips,
      '--out',
      join(root, 'x'),
      '--model',
      'syncnet-v2',
      '--weights',
      join(root, 'nothing.model'),
    ]);
    assert.equal(missing.status, 2);
    assert.match(
      missing.out.trim(),
      /^features: \S+nothing\.model: no such checkpoint or converted weights folder$/,
    );
    const none = run('scripts/features.ts', [clips, '--model', 'syncnet-v2']);
    assert.match(none.out.trim(), /^features: --model syncnet-v2 needs --weights/);
    assert.ok(!existsSync(join(root, 'x')), 'nothing written');
  });

  it('v2: embedding and pre-fc caches on the feature cache grid, zero windows without a face', () => {
    const r = run('scripts/features.ts', [
      clips,
      '--out',
      cache,
      '--model',
      'syncnet-v2',
      '--weights',
      v2Checkpoint,
      '--stage',
      'both',
    ]);
    assert.equal(r.status, 0, r.out);
    assert.match(
      r.out,
      new RegExp(
        `${SPEAKER}: \\d+ frames, face in \\d+, audio 3\\.4 s; syncnet-v2 embedding \\d+ windows × 1024, pre-fc \\d+ windows × 512 \\(1 face track\\)`,
      ),
    );
    assert.match(
      r.out,
      new RegExp(
        `${FACELESS}: \\d+ frames, face in 0, .* embedding 0 windows × 1024, pre-fc 0 windows × 512 \\(0 face tracks\\)`,
      ),
    );

    const features = readFeatures(cache, SPEAKER);
    const embedding = readCache(cache, SPEAKER, 'syncnet-v2', 'embedding');
    const preFc = readCache(cache, SPEAKER, 'syncnet-v2', 'pre-fc');
    const grid = clipGrid(features);
    for (const { manifest } of [embedding, preFc]) {
      assert.equal(manifest.file, SPEAKER);
      assert.equal(manifest.weights?.source, 'syncnet_v2_zip.model');
      assert.deepEqual(
        manifest.segments,
        grid.map((s) => ({ startTimeSec: s.startTimeSec, slots: s.frameIndices.length })),
      );
      const windows = manifest.windows.map((w) => `${w.trackId}/${w.segment}/${w.gridStart}`).sort();
      assert.deepEqual(windows, expectedWindows(features));
      assert.ok(windows.length >= 75, `${windows.length} windows`);
    }
    assert.deepEqual(
      embedding.manifest.windows,
      preFc.manifest.windows,
      'both stages list the same windows in the same order',
    );

    const faceless = readCache(cache, FACELESS, 'syncnet-v2', 'embedding');
    assert.equal(faceless.manifest.windows.length, 0);
    assert.equal(faceless.rows.length, 0);
  });

  it('v2: the cached embeddings are the fc layers of the cached pre-fc rows (what finetune trains)', () => {
    const weights = decodeWeights({
      manifest: parseManifest(JSON.parse(readFileSync(join(v2Bundle, 'manifest.json'), 'utf8')), v2Bundle),
      data: new Uint8Array(readFileSync(join(v2Bundle, 'weights.bin'))),
    });
    const embedding = readCache(cache, SPEAKER, 'syncnet-v2', 'embedding');
    const preFc = readCache(cache, SPEAKER, 'syncnet-v2', 'pre-fc');
    const head = new SyncNetHead('syncnet-v2', 'lip', weights, false);
    const input = tf.tensor2d(preFc.rows, [preFc.manifest.windows.length, 512]);
    const viaHead = head.embed(input);
    const got = viaHead.dataSync();
    tf.dispose([input, viaHead]);
    head.dispose();
    const worst = maxAbsDiff(got, embedding.rows);
    assert.ok(
      worst <= 1e-4 * maxAbs(embedding.rows),
      `max abs difference ${worst} vs max |embedding| ${maxAbs(embedding.rows)}`,
    );
  });

  it('v2: the engine’s own check of the clip gives the same 31 distances as the cached embeddings', async (t) => {
    const checker = await Checker.open();
    let dists: number[];
    try {
      const outcome = await checker.check({
        video: join(clips, SPEAKER),
        model: 'syncnet-v2',
        weights: v2Bundle,
      });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
      dists = outcome.result.dists;
    } finally {
      await checker.close();
    }
    assert.equal(dists.length, 31);
    // The same windows through the same decision in node: cached lip embeddings, audio
    // embedded here, the speech detector and lip activity as the engine applies them.
    const features = readFeatures(cache, SPEAKER);
    const grid = clipGrid(features);
    assert.equal(
      grid.length,
      1,
      'one grid segment (the engine splits at 0.5 s gaps, clipGrid at 0.12 s: equal here)',
    );
    const base = join(cache, windowCacheName(SPEAKER, 'syncnet-v2', 'embedding'));
    const windowCache = parseWindowCache(
      JSON.parse(readFileSync(`${base}.json`, 'utf8')),
      new Uint8Array(readFileSync(`${base}.bin`)),
      base,
    );
    const tracks = lipTracksFromCache(windowCache, grid, base);
    const pcm = readFileSync(join(cache, `${SPEAKER}.pcm`));
    const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
    const weights: WeightMap = convertCheckpoint(new Uint8Array(readFileSync(v2Checkpoint)), 'v2').weights;
    const model = createSyncNetModel('syncnet-v2', weights, 'audio');
    const startS = features.audio!.startS;
    const evidence = await clipWindowEvidence(
      model,
      features,
      grid,
      tracks,
      { startS, samples },
      { fromS: startS, toS: startS + samples.length / 16000 },
      detectorSpeech,
      mfccSyncnetV2,
    );
    model.dispose();
    const search = pooledSearch(collectVotes(evidence));
    const worst = maxAbsDiff(search.meanDists, dists);
    t.diagnostic(
      `engine vs cache: max |Δ distance| ${worst.toExponential(2)} (distances up to ${maxAbs(dists).toFixed(1)}), offsets ${search.offsetFrames}`,
    );
    // Equal here (same TF.js wasm kernels, same windows and votes on both sides); one frame of misalignment moves them by ~5e-4 of the scale.
    assert.ok(worst <= 1e-5 * maxAbs(dists), `max abs difference ${worst}`);
  });

  it('eval --model syncnet-v2 scores the clip from the cache; the faceless clip cannot be judged', () => {
    const out = join(root, 'eval');
    const r = run('scripts/eval.ts', [
      clips,
      '--cache',
      cache,
      '--model',
      'syncnet-v2',
      '--weights',
      v2Bundle,
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.out);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(
      Object.keys(results).sort(),
      ['calibration', 'clips', 'conditions', 'foldCalibrations', 'model', 'perVariant', 'summary'].sort(),
    );
    assert.equal(results.model, 'syncnet-v2');
    assert.equal(results.clips, 2);
    assert.match(
      results.calibration.fittedOn,
      /default/,
      'no calibration in the converted bundle: the default one, saying so',
    );
    type Entry = { file: string; kind: string; confidence: number | null; verdict: string };
    const perVariant: Entry[] = results.perVariant;
    assert.equal(
      perVariant.filter((e) => e.kind === 'real' || e.kind === 'swap' || e.kind === 'shift').length,
      2 * (1 + 1 + 24),
      'each clip: own audio, one swap (the only other speaker), 24 shifts',
    );
    const real = perVariant.find((e) => e.file === SPEAKER && e.kind === 'real')!;
    assert.equal(typeof real.confidence, 'number', 'the speaking clip is scored');
    assert.ok(
      perVariant.filter((e) => e.file === SPEAKER && e.kind === 'shift').some((e) => e.confidence !== null),
    );
    assert.ok(
      perVariant
        .filter((e) => e.file === FACELESS)
        .every((e) => e.verdict === 'cannot-judge' && e.confidence === null),
    );
    assert.match(
      readFileSync(join(out, 'report.md'), 'utf8'),
      /\| faceless\.mp4 \|.*cannot-judge \(no-face\) \|/,
    );
  });

  it('finetune --model syncnet-v2 on the pre-fc cache moves only the fc layers', () => {
    const out = join(root, 'tuned');
    const r = run('scripts/finetune.ts', [
      clips,
      '--cache',
      cache,
      '--model',
      'syncnet-v2',
      '--weights',
      v2Bundle,
      '--out',
      out,
      '--steps',
      '30',
      '--lr',
      '1e-3',
    ]);
    assert.equal(r.status, 0, r.out);
    const loss = r.out.match(/finetune: loss ([\d.]+) \(first 6 steps\) → ([\d.]+) \(last 6\)/);
    assert.ok(loss, r.out);
    assert.ok(Number(loss[2]) < Number(loss[1]), `loss ${loss[1]} → ${loss[2]}`);
    const read = (dir: string) =>
      decodeWeights({
        manifest: parseManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), dir),
        data: new Uint8Array(readFileSync(join(dir, 'weights.bin'))),
      });
    const before = read(v2Bundle);
    const tuned = read(out);
    for (const name of Object.keys(before)) {
      const same = before[name].data.every((v, i) => Object.is(v, tuned[name].data[i]));
      const trainable = /^(lip|audio)\.fc[12]\.(kernel|bias)$/.test(name);
      assert.equal(same, !trainable, `${name} ${trainable ? 'should have moved' : 'is frozen but moved'}`);
    }
  });

  it('v4: 128-value embeddings and 6×6×512 pre-fc rows on the same windows, related by the fc layers', () => {
    const v4Cache = join(root, 'cache-v4');
    const r = run('scripts/features.ts', [
      clips,
      '--out',
      v4Cache,
      '--model',
      'syncnet-v4',
      '--weights',
      v4Checkpoint,
      '--stage',
      'both',
    ]);
    assert.equal(r.status, 0, r.out);
    const embedding = readCache(v4Cache, SPEAKER, 'syncnet-v4', 'embedding');
    const preFc = readCache(v4Cache, SPEAKER, 'syncnet-v4', 'pre-fc');
    assert.equal(embedding.manifest.dim, 128);
    assert.equal(preFc.manifest.dim, 6 * 6 * 512);
    const features = readFeatures(v4Cache, SPEAKER);
    assert.deepEqual(
      embedding.manifest.windows.map((w) => `${w.trackId}/${w.segment}/${w.gridStart}`).sort(),
      expectedWindows(features),
    );
    assert.deepEqual(preFc.manifest.windows, embedding.manifest.windows);
    assert.equal(readCache(v4Cache, FACELESS, 'syncnet-v4', 'pre-fc').manifest.windows.length, 0);
    // A few rows through SyncNetHead (the finetune head, HWIO kernels on the NHWC-flattened map).
    const weights = convertCheckpoint(new Uint8Array(readFileSync(v4Checkpoint)), 'v4').weights;
    const head = new SyncNetHead('syncnet-v4', 'lip', weights, false);
    const n = 4;
    const input = tf.tensor2d(preFc.rows.subarray(0, n * preFc.manifest.dim), [n, preFc.manifest.dim]);
    const viaHead = head.embed(input);
    const got = viaHead.dataSync();
    tf.dispose([input, viaHead]);
    head.dispose();
    const want = embedding.rows.subarray(0, n * 128);
    const worst = maxAbsDiff(got, want);
    assert.ok(
      worst <= 1e-4 * Math.max(1, maxAbs(want)),
      `max abs difference ${worst} vs max |embedding| ${maxAbs(want)}`,
    );
  });
});
