// A file Chromium cannot play, checked while ffmpeg converts it (scripts/lib/streamed-transcode.ts):
// a real clip re-encoded as MPEG-4 Part 2 with MP3 in AVI, cut into 4-s parts, through the
// real CLI page and engine. The parts join into one timeline: the verdict, offset, distances
// and evidence match the same file converted whole first (what the CLI did before), the
// swapped voice is still caught across the joins, --audio still replaces the sound, streams
// that start at different times keep their timing, and a file with no picture to convert
// fails with a plain message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checker, transcodeForChromium } from '../../scripts/lib/checker';
import { ffmpegComplaint, probeMedia } from '../../scripts/lib/streamed-transcode';
import { clip, makeMedia } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const SPEAKER_A = 'PCAVS_misc_Audio_Source_00104.mp4'; // 12 s, 25 fps, one speaker
const SPEAKER_B = 'HyperLips_test_video1_video1.mp4'; // 10.9 s, 1278×720, another speaker
const skip = [SPEAKER_A, SPEAKER_B].every((c) => existsSync(clip(c)))
  ? false
  : `no ${SPEAKER_A} / ${SPEAKER_B} in ${CLIPS_DIR}`;
const MPEG4_AVI = ['-c:v', 'mpeg4', '-q:v', '3', '-c:a', 'libmp3lame', '-b:a', '128k'];
/** The real clip as MPEG-4 Part 2 with MP3 in AVI: what each case below is compared with. */
const realAvi = () => makeMedia('mpeg4-real', ['-i', clip(SPEAKER_A), ...MPEG4_AVI], 'avi');

describe('a file Chromium cannot play, converted as the check goes', { skip }, () => {
  let checker: Checker;
  const scratch = mkdtempSync(join(tmpdir(), 'lipsync-streamed-'));
  before(async () => {
    checker = await Checker.open();
    checker.transcodePartSeconds = 4;
  });
  after(async () => {
    await checker?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('in 4-s parts: says why, and matches the same file converted whole first', async (t) => {
    const avi = realAvi();
    const whys: string[] = [];
    const streamed = await checker.check({ video: avi }, (why) => whys.push(why));
    assert.ok(streamed.ok, streamed.ok ? '' : streamed.error);
    assert.equal(checker.lastTranscodeParts, 3, '12 s in 4-s parts');
    assert.deepEqual(whys, [streamed.transcoded]);
    assert.match(streamed.transcoded!, /MPEG-4 part 2.*AVI/i);

    const whole = transcodeForChromium(avi, scratch);
    assert.ok(whole);
    const reference = await checker.check({ video: whole });
    assert.ok(reference.ok && reference.transcoded === null);
    const [a, b] = [streamed.result, reference.result];
    t.diagnostic(
      `streamed: ${a.verdict} offset ${a.offsetFrames} min ${a.minDist?.toFixed(3)} conf ${a.confidence?.toFixed(3)} evidence ${a.evidenceSeconds} s; ` +
        `whole: ${b.verdict} offset ${b.offsetFrames} min ${b.minDist?.toFixed(3)} conf ${b.confidence?.toFixed(3)} evidence ${b.evidenceSeconds} s`,
    );
    assert.equal(a.verdict, 'real');
    assert.equal(a.verdict, b.verdict);
    assert.equal(a.offsetFrames, b.offsetFrames);
    assert.ok(Math.abs(a.minDist! - b.minDist!) < 0.05);
    assert.ok(Math.abs(a.confidence! - b.confidence!) < 0.05);
    // Windows across the joins wait for the next part's sound and still vote.
    assert.ok(Math.abs(a.evidenceSeconds - b.evidenceSeconds) < 0.5);
    assert.ok(Math.abs(a.durationS - b.durationS) < 0.1);
    assert.equal(a.timeline.length, b.timeline.length);
  });

  it("another speaker's voice is still caught across the joins; --audio replaces the parts' sound", async () => {
    const swapped = makeMedia(
      'mpeg4-swapped',
      ['-i', clip(SPEAKER_B), '-i', clip(SPEAKER_A), '-map', '0:v', '-map', '1:a', '-shortest', ...MPEG4_AVI],
      'avi',
    );
    const fake = await checker.check({ video: swapped });
    assert.ok(fake.ok, fake.ok ? '' : fake.error);
    assert.ok(checker.lastTranscodeParts >= 2);
    assert.notEqual(fake.result.verdict, 'real');
    assert.ok(fake.result.pMismatch! > 0.5, `p(mismatch) ${fake.result.pMismatch}`);

    const real = await checker.check({ video: swapped, audio: clip(SPEAKER_B) });
    assert.ok(real.ok, real.ok ? '' : real.error);
    assert.equal(real.result.verdict, 'real');
  });

  it('streams that start at different times keep their timing: sound or picture starting late, sound muxed late', async (t) => {
    // In step as played: the sound (or the picture) only starts 0.6 s in. ffmpeg's segment
    // list puts every first part at zero; read so, the sound would be 15 frames early.
    const soundLate = makeMedia(
      'mpeg4-sound-from-0.6',
      ['-i', clip(SPEAKER_A), '-map', '0:v', '-map', '0:a', '-af', 'atrim=start=0.6', ...MPEG4_AVI],
      'mkv',
    );
    const pictureLate = makeMedia(
      'mpeg2-ts-picture-from-0.6',
      ['-i', clip(SPEAKER_A), '-map', '0:v', '-map', '0:a', '-vf', 'trim=start=0.6'],
      'ts',
    );
    // Out of step as played: the whole sound 0.4 s (10 frames) late.
    const muxedLate = makeMedia(
      'mpeg4-sound-muxed-0.4-late',
      [
        '-i',
        clip(SPEAKER_A),
        '-itsoffset',
        '0.4',
        '-i',
        clip(SPEAKER_A),
        '-map',
        '0:v',
        '-map',
        '1:a',
        ...MPEG4_AVI,
      ],
      'mkv',
    );
    // 0.6 s less the MP3 encoder's priming (1105 samples at 16 kHz), which ffmpeg decodes before it.
    const lead = probeMedia(soundLate)!.audioLeadS;
    assert.ok(Math.abs(lead - 0.531) < 0.01, `sound starts ${lead} s after the picture`);
    assert.equal(probeMedia(pictureLate)!.audioLeadS, 0);
    const own = await checker.check({
      video: realAvi(),
    });
    assert.ok(own.ok && own.result.offsetFrames !== null);
    const ownOffset = own.result.offsetFrames!;
    for (const [file, verdict, offset] of [
      [soundLate, 'real', ownOffset],
      [pictureLate, 'real', ownOffset],
      [muxedLate, 'shifted', ownOffset - 10],
    ] as const) {
      const outcome = await checker.check({ video: file });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
      const { verdict: got, offsetFrames } = outcome.result;
      t.diagnostic(`${file}: ${got} at ${offsetFrames} frames (its own ${ownOffset})`);
      assert.ok(outcome.transcoded, 'converted as it is checked');
      assert.equal(got, verdict, file);
      assert.ok(
        Math.abs(offsetFrames! - offset) <= 1,
        `${file}: offset ${offsetFrames}, expected ${offset} ± 1`,
      );
    }
  });

  it('no picture to convert: a plain one-line error naming the file', async () => {
    const soundOnly = makeMedia('sound-only', ['-i', clip(SPEAKER_A), '-vn', '-c:a', 'libmp3lame'], 'avi');
    const outcome = await checker.check({ video: soundOnly });
    assert.ok(!outcome.ok);
    assert.match(outcome.error, /^sound-only-\w+\.avi: /);
    assert.equal(outcome.error.split('\n').length, 1);
  });
});

describe("ffmpeg's complaint in one line", () => {
  it('its distinct messages without codec prefixes: the first and the last new one', () => {
    const stderr = [
      '[mpeg4 @ 0x5596af8c2e40] [IMGUTILS @ 0x7fd1c1bedf00] Picture size 0x0 is invalid',
      '[mpeg4 @ 0x5596af8c2e40] get_buffer() failed',
      '[mpeg4 @ 0x5596af8db380] [IMGUTILS @ 0x7fd1c13ecf00] Picture size 0x0 is invalid',
      'Error while decoding stream #0:0: Operation not permitted',
      '[mpeg4 @ 0x5596af8db380] get_buffer() failed',
      '',
    ].join('\n');
    assert.equal(
      ffmpegComplaint(stderr, 1),
      'Picture size 0x0 is invalid … Error while decoding stream #0:0: Operation not permitted',
    );
    assert.equal(
      ffmpegComplaint('x.ts: Invalid data found when processing input\n', 1),
      'x.ts: Invalid data found when processing input',
    );
    assert.equal(ffmpegComplaint('', 234), 'exit 234');
  });
});
