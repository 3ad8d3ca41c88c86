// A file longer than the sound the engine holds (src/engine/audio-segment.ts discards what
// no window needs, 30 s at a time): the clip looped to 48 s through the engine the CLI and
// the file page use is judged as the clip itself is, at the same offset, on every loop's
// evidence — nothing read after a discard came from the wrong place or was refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Checker } from '../../scripts/lib/checker';
import { loopedFile } from '../../scripts/lib/bench-scaling';
import { clip } from '../helpers/media';
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
});
