// The dropped-frame rule end to end (src/core/video/frame-drops.ts in the engine): a real
// clip with three frames in a row missing of every five — the timestamps of the rest kept,
// as a live source that loses frames delivers them — is "can't judge (frame rate too low)" through the
// engine the CLI and the file page use, never a verdict over frozen mouths; the same clip
// re-timed to an honest 16.7 fps source is judged, and a file's own long gap is no loss.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Checker } from '../../scripts/lib/checker';
import { clip, makeMedia, X264 } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const CLIP = 'PCAVS_misc_Audio_Source_00104.mp4'; // 25 fps, 12 s, one speaker
const skip = existsSync(clip(CLIP)) ? false : `no ${CLIP} in ${CLIPS_DIR}`;
const H264 = [...X264, '-c:a', 'copy'];

describe('dropped frames', { skip }, () => {
  let checker: Checker;
  before(async () => {
    checker = await Checker.open();
  });
  after(async () => {
    await checker?.close();
  });

  /** The clip with only the frames `select` keeps, at their own timestamps (-fps_mode vfr writes them as they are). */
  const checkFrames = async (name: string, select: string) => {
    const video = makeMedia(name, [
      '-i',
      clip(CLIP),
      '-vf',
      `select='${select}'`,
      '-fps_mode',
      'vfr',
      ...H264,
    ]);
    const outcome = await checker.check({ video });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    return outcome.result;
  };

  it('three frames in a row lost of every five → cannot judge, frame rate too low', async () => {
    // Gaps of 160 ms.
    const result = await checkFrames('lost-three-of-five', 'lt(mod(n\\,5)\\,2)');
    assert.equal(result.verdict, 'cannot-judge');
    assert.equal(result.reason, 'frame-rate-too-low');
  });

  it("a file's own gap (no frame for 8 s of a variable-rate file) is not frames lost: judged on the pictures it has", async () => {
    // Frames 0–49 and 250–299 only: 4 s of pictures, the sound throughout. Counted as lost
    // frames, the gap was 60 % of the frames ("frame rate too low"); a file showed no others.
    const result = await checkFrames('eight-second-hold', 'lt(n\\,50)+gt(n\\,249)');
    assert.equal(
      result.verdict,
      'real',
      JSON.stringify({ reason: result.reason, pMismatch: result.pMismatch }),
    );
  });

  it('an honest lower frame rate is no loss: the clip at 16.7 fps is judged in sync', async () => {
    const slower = makeMedia('fps-16.7', ['-i', clip(CLIP), '-vf', 'fps=50/3', ...H264]);
    const outcome = await checker.check({ video: slower });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    assert.equal(
      outcome.result.verdict,
      'real',
      JSON.stringify({ reason: outcome.result.reason, pMismatch: outcome.result.pMismatch }),
    );
  });
});
