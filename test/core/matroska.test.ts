// When a Matroska / WebM file's sound plays (src/core/media/matroska.ts), in node on
// ffmpeg-made files: the first audio packet's time as ffprobe reads it, whether the sound
// starts with the picture, a second after it, or both five seconds into the timeline; every
// block's time around a dropout; the
// same with the clusters' sizes unknown (as a live recording writes them); null for no
// sound, another container or a cut-off file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readMatroskaAudioTimes } from '../../src/core/media/matroska';
import {
  clip,
  ffprobeRows,
  makeMedia,
  VP8_FAST,
  withSoundDropout,
  withSoundStartingLate,
} from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const skip = existsSync(CLIPS_DIR) ? false : 'no ../shared/media/clips here';
const SOURCE = 'PCAVS_misc_Audio_Source_00104.mp4';

const timesOf = (bytes: Uint8Array, limit?: number) =>
  readMatroskaAudioTimes(
    async (offset, length) => bytes.subarray(offset, offset + length),
    bytes.length,
    limit,
  );
/** When the sound starts: its first block's time. */
const startOf = async (bytes: Uint8Array) => (await timesOf(bytes, 1))?.[0] ?? null;

/** ffprobe's audio packet times (s), in file order. */
const audioPackets = (path: string) => ffprobeRows(path, 'a:0', 'packet=pts_time').map(([t]) => Number(t));
const firstAudioPacket = (path: string) => audioPackets(path)[0];

const soundLate = (container: 'mkv' | 'webm') => withSoundStartingLate(container, clip(SOURCE));

/** Every cluster's 3-byte size field set to "unknown" (all ones), as a live muxer leaves it. */
function unknownClusterSizes(bytes: Uint8Array): { bytes: Uint8Array; patched: number } {
  const out = bytes.slice();
  let patched = 0;
  for (let i = 0; i + 7 <= out.length; i++) {
    const isCluster = out[i] === 0x1f && out[i + 1] === 0x43 && out[i + 2] === 0xb6 && out[i + 3] === 0x75;
    if (isCluster && (out[i + 4] & 0xe0) === 0x20) {
      out.set([0x3f, 0xff, 0xff], i + 4);
      patched++;
    }
  }
  return { bytes: out, patched };
}

describe('Matroska / WebM sound start', { skip }, () => {
  it("the first audio packet's time, as ffprobe reads it", async (t) => {
    const files = [
      soundLate('mkv'),
      soundLate('webm'),
      makeMedia('mkv-copy', ['-i', clip(SOURCE), '-c', 'copy'], 'mkv'),
      makeMedia('both-at-5s', ['-i', clip(SOURCE), '-c', 'copy', '-output_ts_offset', '5'], 'mkv'),
      makeMedia(
        'webm-both-at-5s',
        ['-i', clip(SOURCE), ...VP8_FAST, '-c:a', 'libopus', '-output_ts_offset', '5'],
        'webm',
      ),
    ];
    for (const path of files) {
      const start = await startOf(readFileSync(path));
      const expected = firstAudioPacket(path);
      t.diagnostic(`${path.split('/').at(-1)}: ${start} s, ffprobe's first audio packet ${expected} s`);
      assert.ok(start !== null, path);
      // Opus: ffprobe counts the encoder's pre-skip (6.5 ms) before the block's time.
      assert.ok(Math.abs(start - expected) <= (path.endsWith('.webm') ? 0.008 : 0.0005), path);
    }
    assert.ok((await startOf(readFileSync(soundLate('mkv'))))! > 0.9);
  });

  it("every audio block's time, a 2-s dropout included, as ffprobe reads them", async () => {
    const path = withSoundDropout('mkv', clip(SOURCE));
    const bytes = readFileSync(path);
    const times = await timesOf(bytes);
    const expected = audioPackets(path);
    assert.equal(times?.length, expected.length);
    times!.forEach((time, i) =>
      assert.ok(Math.abs(time - expected[i]) < 0.0005, `block ${i}: ${time} vs ${expected[i]}`),
    );
    assert.ok(
      times!.some((time, i) => i > 0 && time - times![i - 1] > 1.9),
      'the dropout is there',
    );
  });

  it('the same with every cluster of unknown size', async () => {
    for (const path of [soundLate('mkv'), soundLate('webm')]) {
      const bytes = readFileSync(path);
      const { bytes: live, patched } = unknownClusterSizes(bytes);
      assert.ok(patched > 1, `${path}: ${patched} clusters`);
      assert.equal(await startOf(live), await startOf(bytes), path);
    }
  });

  it('null: no sound, another container, a file cut off in its headers', async () => {
    const silent = makeMedia('mkv-no-sound', ['-i', clip(SOURCE), '-an', '-c', 'copy'], 'mkv');
    const whole = readFileSync(soundLate('mkv'));
    assert.equal(await startOf(readFileSync(silent)), null);
    assert.equal(await startOf(readFileSync(clip(SOURCE))), null);
    assert.equal(await startOf(whole.subarray(0, 200)), null);
    assert.equal(await startOf(new Uint8Array(0)), null);
  });
});
