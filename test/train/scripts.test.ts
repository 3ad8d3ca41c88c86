// The three commands end to end on a synthetic feature cache (clips + MANIFEST.tsv):
// `npm run train` writes a ≤ 1 MB bundle with its threshold, its held-out decision
// calibration and the model card's training table, byte-identical when run twice; `npm run
// eval` judges every variant with the product's decision and writes results.json, the
// report and both figures; `npm run finetune` writes a bundle whose head differs from the
// model it started from and whose trunk does not, with its own calibration.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticClip, writeSyntheticCache } from '../helpers/synthetic-clip';
import { decodeWeights, parseManifest } from '../../src/core';
import { EMBEDDED_DEFAULT_THRESHOLD, embeddedWeightRole } from '../../src/core/models/embedded';
import { parseCalibration } from '../../src/core/decision/calibration';

const root = mkdtempSync(join(tmpdir(), 'lipsync-ml-'));
const cache = join(root, 'clips');

function run(script: string, args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function bundleAt(dir: string) {
  const json = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const data = new Uint8Array(readFileSync(join(dir, 'weights.bin')));
  return { json, data, weights: decodeWeights({ manifest: parseManifest(json, dir), data }) };
}

before(() => {
  writeSyntheticCache(cache, [
    ...[0, 1, 2, 3].map((i) => syntheticClip({ seed: 60 + i, seconds: 7, speaker: i, file: `real${i}.mp4` })),
    { ...syntheticClip({ seed: 70, seconds: 7, speaker: 4, file: 'mimed.mp4' }), confidence: 'low' },
    {
      ...syntheticClip({ seed: 71, seconds: 6, speaker: 5, file: 'lipsynced.mp4' }),
      status: 'generated-lipsync',
    },
  ]);
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('train / eval / finetune commands', () => {
  it('train: deterministic bundle ≤ 1 MB from in-sync (real or generated), not-low-confidence clips', () => {
    const out = run('scripts/train.ts', [
      cache,
      '--out',
      join(root, 'model'),
      '--steps',
      '60',
      '--folds',
      '2',
    ]);
    assert.match(out, /train: 5 clips, 5 speakers/);
    assert.match(out, /step 60\/60/);
    const first = bundleAt(join(root, 'model'));
    assert.ok(first.data.byteLength <= 1024 * 1024);
    assert.equal(first.json.model, 'embedded');
    assert.equal(first.json.threshold, EMBEDDED_DEFAULT_THRESHOLD);
    const decision = parseCalibration(first.json.decision, 'train');
    assert.equal(decision.scale, EMBEDDED_DEFAULT_THRESHOLD);
    assert.equal(decision.coefficients.length, 5, 'one per calibrationFeatures term');
    assert.match(decision.fittedOn, /2 speaker-held-out folds|default: /);
    assert.deepEqual(first.json.embedded.trainingClips, [
      'lipsynced.mp4',
      'real0.mp4',
      'real1.mp4',
      'real2.mp4',
      'real3.mp4',
    ]);
    const card = readFileSync(join(root, 'model', 'MODEL_CARD.md'), 'utf8');
    assert.match(card, /\| real2.mp4 \| synth-2 \| 7.0 \| [+-]?\d+ \| MIT \|/);
    assert.doesNotMatch(card, /mimed/);
    run('scripts/train.ts', [cache, '--out', join(root, 'model2'), '--steps', '60', '--folds', '2']);
    assert.deepEqual(bundleAt(join(root, 'model2')).data, first.data, 'same cache and seed → same bytes');
  });

  it('eval: every variant judged by the decision; summary, conditions, calibration, report and figures', () => {
    const outDir = join(root, 'eval');
    run('scripts/eval.ts', [cache, '--out', outDir, '--folds', '2', '--steps', '60']);
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    assert.deepEqual(
      Object.keys(results).sort(),
      ['calibration', 'clips', 'conditions', 'foldCalibrations', 'model', 'perVariant', 'summary'].sort(),
    );
    assert.equal(results.model, 'embedded');
    assert.equal(results.clips, 5, 'every real clip is evaluated, the low-confidence one too');
    assert.equal(results.foldCalibrations.length, 2);
    const kinds = (k: string) => results.perVariant.filter((e: { kind: string }) => e.kind === k).length;
    assert.equal(kinds('real'), 5);
    assert.equal(kinds('swap'), 15);
    assert.equal(kinds('shift'), 5 * 24);
    for (const entry of results.perVariant) {
      assert.ok(['real', 'shifted', 'fake', 'cannot-judge'].includes(entry.verdict), entry.verdict);
      assert.ok(entry.pMismatch === null || (entry.pMismatch >= 0 && entry.pMismatch <= 1));
      if (entry.kind === 'shift')
        assert.ok(
          Number.isInteger(entry.shiftFrames) && entry.shiftFrames !== 0 && Math.abs(entry.shiftFrames) <= 12,
        );
    }
    assert.ok(results.summary.falseFake.of > 0);
    const conditions = results.conditions.map((c: { condition: string }) => c.condition);
    for (const name of ['real', 'swap', 'shift past tolerance', 'shift within tolerance'])
      assert.ok(conditions.includes(name), name);
    const report = readFileSync(join(outDir, 'report.md'), 'utf8');
    assert.match(report, /genuine variants called FAKE/);
    assert.match(report, /lipsynced.mp4 \| generated-lipsync/);
    assert.match(report, /speaker-disjoint folds/);
    assert.match(readFileSync(join(outDir, 'p-histogram.svg'), 'utf8'), /<svg/);
    parseCalibration(JSON.parse(readFileSync(join(outDir, 'calibration.json'), 'utf8')), 'calibration.json');
    // Every variant also replayed as a live check (scripts/lib/eval-live.ts), in perVariant's order.
    const replays = JSON.parse(readFileSync(join(outDir, 'live-replay.json'), 'utf8'));
    assert.deepEqual(
      replays.map((r: { file: string; kind: string }) => [r.file, r.kind]),
      results.perVariant.map((e: { file: string; kind: string }) => [e.file, e.kind]),
    );
    for (const r of replays) {
      const times = r.updates.map((u: [number]) => u[0]);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'updates in time order',
      );
      assert.notEqual(r.updates.at(-1)[1], null, 'the last update (the end) always gives a verdict');
      assert.ok(
        r.firm !== null && r.shown.includes(r.firm.verdict),
        'firm at the latest at the end, and shown',
      );
    }
    assert.match(report, /## Live checks replayed/);
    assert.match(report, /\| real \| 5 \| \d+ \| \d+ \| \d+ \/ \d+ \/ \d+ \/ \d+ \|/);
    assert.match(report, /Genuine variants shown FAKE at any update: \d+ of \d+/);
    // Own audio and swaps judged again on the frames a busy live check sees (eval-lost-frames.ts).
    const lost = JSON.parse(readFileSync(join(outDir, 'lost-frames.json'), 'utf8'));
    const lostKinds = lost.map((r: { kind: string }) => r.kind);
    for (const pattern of ['a third of frames lost at random', 'every other frame']) {
      assert.equal(lostKinds.filter((k: string) => k === `real, ${pattern}`).length, 5, pattern);
      assert.equal(lostKinds.filter((k: string) => k === `swap, ${pattern}`).length, 15, pattern);
    }
    assert.match(report, /## Frames lost on the way/);
    assert.match(report, /\| real, every other frame \| 5 \| \d+ \| \d+ \|/);
    assert.match(
      report,
      /a third of frames lost at random: frames kept \d+ %, counted lost by the engine's rule \d+ %/,
    );
  });

  it('finetune: a new bundle whose head moved and whose trunk did not', () => {
    const outDir = join(root, 'tuned');
    const out = run('scripts/finetune.ts', [
      cache,
      '--weights',
      join(root, 'model'),
      '--out',
      outDir,
      '--steps',
      '40',
    ]);
    assert.match(out, /finetune: loss [\d.]+ \(first 8 steps\) → [\d.]+ \(last 8\)/);
    const before = bundleAt(join(root, 'model')).weights;
    const after = bundleAt(outDir);
    assert.equal(after.json.threshold, EMBEDDED_DEFAULT_THRESHOLD);
    assert.match(parseCalibration(after.json.decision, 'finetune').fittedOn, /fine-tuned model|default: /);
    for (const name of Object.keys(before)) {
      const same = before[name].data.every((v, i) => v === after.weights[name].data[i]);
      assert.equal(same, embeddedWeightRole(name) !== 'head', name);
    }
  });

  it('explains what is missing for SyncNet and for a missing cache', () => {
    assert.throws(() => run('scripts/eval.ts', [cache, '--model', 'syncnet-v2']), /needs --weights/);
    assert.throws(
      () => run('scripts/train.ts', [join(root, 'nowhere'), '--out', join(root, 'x')]),
      /no feature cache — run `npm run features/,
    );
  });
});
