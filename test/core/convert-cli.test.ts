// `npm run convert -- <checkpoint> <outdir>` end to end: random-init checkpoints from the
// repo's generator scripts → bundle on disk → model loaded from the bundle → embeddings
// equal PyTorch's golden ones; bad files exit non-zero with one line naming the problem.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGenerated } from '../helpers/generated';
import { useBackend } from '../helpers/tf';
import { parity } from '../helpers/parity';
import { detectCheckpointFormat, loadSyncModel, parseManifest, type SyncModel } from '../../src/core';

const RELATIVE_TOLERANCE = 1e-4;

function runConvert(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/convert.ts', ...args], {
    encoding: 'utf8',
  });
}

function readBundle(dir: string) {
  return {
    manifest: parseManifest(
      JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')),
      join(dir, 'manifest.json'),
    ),
    data: new Uint8Array(readFileSync(join(dir, 'weights.bin'))),
  };
}

function floats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const v2 = ensureGenerated('scripts/golden/make_syncnet_v2_checkpoint.py', 'syncnet-v2');
const v4 = ensureGenerated('scripts/golden/make_syncnet_v4_checkpoint.py', 'syncnet-v4');

const cases = [
  {
    label: 'SyncNet v2 (legacy torch.save)',
    dir: v2,
    checkpoint: 'syncnet_v2_legacy.model',
    kind: 'syncnet-v2',
  },
  { label: 'SyncNet v2 (zip torch.save)', dir: v2, checkpoint: 'syncnet_v2_zip.model', kind: 'syncnet-v2' },
  { label: 'SyncNet v4 (MATLAB v7.3)', dir: v4, checkpoint: 'syncnet_v4_random.mat', kind: 'syncnet-v4' },
] as const;

describe('npm run convert', () => {
  let tf: Awaited<ReturnType<typeof useBackend>>;
  before(async () => {
    tf = await useBackend('wasm');
  });

  for (const c of cases) {
    it(`${c.label}: converts, loads from the folder, and matches PyTorch within 1e-4 relative`, async (t) => {
      const out = mkdtempSync(join(tmpdir(), 'lipsync-convert-'));
      const run = runConvert(join(c.dir, c.checkpoint), out);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`${c.checkpoint} → .*: ${c.kind}, \\d+ tensors`));

      const bundle = readBundle(out);
      assert.equal(bundle.manifest.model, c.kind);
      assert.equal(bundle.manifest.source, c.checkpoint);
      const before = tf.memory().numTensors;
      const model: SyncModel = loadSyncModel(bundle);
      try {
        for (const stream of ['lip', 'audio'] as const) {
          const input = floats(join(c.dir, `${stream}_input.bin`));
          const want = floats(join(c.dir, `${stream}_embedding.bin`));
          const got = tf.tidy(() => {
            if (stream === 'lip') {
              const { frames, height, width, channels } = model.lipInput;
              const n = input.length / (frames * height * width * channels);
              return model
                .embedLip(tf.tensor5d(input, [n, frames, height, width, channels]))
                .dataSync() as Float32Array;
            }
            const { coefficients, steps } = model.audioInput;
            return model
              .embedAudio(tf.tensor3d(input, [input.length / (coefficients * steps), coefficients, steps]))
              .dataSync() as Float32Array;
          });
          const { maxAbs, relative } = parity(got, want);
          t.diagnostic(
            `${stream}: max abs ${maxAbs.toExponential(2)}, relative ${relative.toExponential(2)}`,
          );
          assert.ok(relative <= RELATIVE_TOLERANCE, `${stream} relative error ${relative}`);
        }
      } finally {
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'loading and disposing a model leaks no tensor');
    });
  }

  const badFiles = [
    [v2, 'bad_truncated.model', /truncated/],
    [
      v2,
      'bad_fc512.model',
      /not a SyncNet v2 checkpoint — tensor netfcaud\.3\.weight has shape \[512,512\], expected \[1024,512\]/,
    ],
    [v2, 'bad_not_checkpoint.model', /not a (SyncNet|torch) checkpoint/],
    [v4, 'bad_truncated.mat', /truncated/],
    [v4, 'bad_wrong_arch.mat', /not a SyncNet v4 network: param \d+ '\w+' \(.*\) has shape/],
    [v4, 'bad_not_hdf5.mat', /MATLAB 5\.0 MAT-file; only MATLAB v7\.3/],
  ] as const;
  for (const [dir, file, message] of badFiles) {
    it(`${file}: exits 1 with one line naming the file and the problem`, () => {
      const run = runConvert(join(dir, file), mkdtempSync(join(tmpdir(), 'lipsync-convert-')));
      assert.equal(run.status, 1);
      const lines = run.stderr.split('\n').filter((l) => l && !l.includes('nodedir'));
      assert.equal(lines.length, 1, `expected one line, got:\n${run.stderr}`);
      assert.match(lines[0], new RegExp(`^convert: ${file.replace('.', '\\.')}: `));
      assert.match(lines[0], message);
    });
  }

  it('a missing file and wrong usage are one-line errors too', () => {
    const missing = runConvert('no/such/file.model', tmpdir());
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^convert: cannot read no\/such\/file\.model: ENOENT$/m);
    const usage = runConvert('only-one-arg');
    assert.equal(usage.status, 1);
    assert.match(usage.stderr, /usage: npm run convert -- /);
  });

  it('detects the format from the leading bytes', () => {
    assert.equal(
      detectCheckpointFormat(
        new Uint8Array(readFileSync(join(v2, 'syncnet_v2_legacy.model')).subarray(0, 16)),
      ),
      'torch',
    );
    assert.equal(
      detectCheckpointFormat(new Uint8Array(readFileSync(join(v2, 'syncnet_v2_zip.model')).subarray(0, 16))),
      'torch',
    );
    assert.equal(
      detectCheckpointFormat(
        new Uint8Array(readFileSync(join(v4, 'syncnet_v4_random.mat')).subarray(0, 1024)),
      ),
      'matlab',
    );
    assert.equal(detectCheckpointFormat(new TextEncoder().encode('{"json": true}')), 'unknown');
  });
});
