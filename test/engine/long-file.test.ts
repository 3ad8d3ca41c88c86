// A file longer than the sound the engine holds (src/engine/audio-segment.ts discards what
// no window needs, 30 s at a time): the clip looped to 48 s through the engine the CLI and
// the file page use is judged as the clip itself is, at the same offset, on every loop's
// evidence — nothing read after a discard came from the wrong place or was refused. And
// looped to 4.5 minutes, past RENEW_WORKER_AFTER_JOBS frames per landmarker worker, where each
// worker is replaced by a fresh one mid-check (src/engine/renewing-worker.ts): the verdict and
// offset are the clip's, the evidence every loop's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Checker } from '../../scripts/lib/checker';
import { loopedFile } from '../../scripts/lib/bench-scaling';
import { clip } from '../helpers/media';
import { RENEW_WORKER_AFTER_JOBS } from '../../src/engine/face/landmarker-pool';
import { CLIPS_DIR } from '../helpers/server';

const CLIP = 'PCAVS_misc_Audio_Source_00104.mp4'; // 25 fps, 12 s, one speaker
const skip = existsSync(clip(CLIP)) ? false : `no ${CLIP} in ${CLIPS_DIR}`;

describe('a file longer than the sound the engine holds', { skip }, () => {
  let checker: Checker;
  before(async () => {
    checker = await Checker.open();
  });
  after(async () => {
    await checker?.close();
  });

  it('the clip looped to 48 s: real, the offset of the clip, four loops of evidence', async (t) => {
    const single = await checker.check({ video: loopedFile(clip(CLIP), 0.2) });
    const looped = await checker.check({ video: loopedFile(clip(CLIP), 0.8) });
    assert.ok(single.ok && looped.ok, !single.ok ? single.error : !looped.ok ? looped.error : '');
    const [one, four] = [single.result, looped.result];
    t.diagnostic(
      `12 s: ${one.verdict}, offset ${one.offsetFrames}, evidence ${one.evidenceSeconds} s; ` +
        `48 s: ${four.verdict}, offset ${four.offsetFrames}, evidence ${four.evidenceSeconds} s, confidence ${four.confidence}`,
    );
    assert.equal(one.verdict, 'real');
    assert.equal(four.verdict, 'real');
    assert.ok(Math.abs(four.offsetFrames! - one.offsetFrames!) <= 1);
    assert.ok(
      four.evidenceSeconds >= 3.5 * one.evidenceSeconds,
      `${four.evidenceSeconds} s of evidence against ${one.evidenceSeconds} s for one loop`,
    );
  });

  it("the clip looped to 4.5 min: both landmarker workers replaced on the way, the verdict and offset the clip's", async (t) => {
    const minutes = 4.5;
    // Two workers take alternate frames: each passes the renewal count once in this file.
    assert.ok(
      minutes * 60 * 25 > 2 * RENEW_WORKER_AFTER_JOBS && minutes * 60 * 25 < 4 * RENEW_WORKER_AFTER_JOBS,
    );
    const single = await checker.check({ video: loopedFile(clip(CLIP), 0.2) });
    const long = await checker.check({ video: loopedFile(clip(CLIP), minutes) });
    assert.ok(single.ok && long.ok, !single.ok ? single.error : !long.ok ? long.error : '');
    const [one, loops] = [single.result, long.result];
    t.diagnostic(
      `4.5 min: ${loops.verdict}, offset ${loops.offsetFrames}, evidence ${loops.evidenceSeconds} s, ` +
        `${loops.landmarkerRenewals} landmarker workers replaced, ${loops.faces.length} face track(s)`,
    );
    assert.equal(loops.landmarkerRenewals, 2, 'each of the two workers replaced once');
    assert.equal(one.landmarkerRenewals, 0);
    assert.equal(loops.faces.length, 1, 'the face followed as one track across both replacements');
    assert.equal(loops.verdict, 'real');
    assert.ok(Math.abs(loops.offsetFrames! - one.offsetFrames!) <= 1);
    assert.ok(
      loops.evidenceSeconds >= 19 * one.evidenceSeconds,
      `${loops.evidenceSeconds} s of evidence against ${one.evidenceSeconds} s for one of 22.8 loops`,
    );
  });
});
