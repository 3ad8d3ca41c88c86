// The MP4/MOV demuxer (src/core/media/mp4.ts) and the SPS colour reader (src/core/media/h264.ts)
// in node on real clips from ../shared/media/clips and ffmpeg-made variants: presentation
// times equal ffprobe's frame times, edit lists as FFmpeg applies them, the avcC codec
// string, and a clear refusal of what the WebCodecs source leaves to playback.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { avcConfigColour } from '../../src/core/media/h264';
import { Mp4Unsupported, readMp4VideoTrack, type Mp4VideoTrack } from '../../src/core/media/mp4';
import { lacksIndex } from '../../src/core/media/mp4-boxes';
import { clip, ffprobeRows, makeMedia } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const skip = existsSync(CLIPS_DIR) ? false : 'no ../shared/media/clips here';

/** Demuxes a file through a reader that counts the bytes asked for. */
async function demux(path: string): Promise<{ track: Mp4VideoTrack; bytesRead: number; fileSize: number }> {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    let bytesRead = 0;
    const track = await readMp4VideoTrack(async (offset, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, fileSize - offset)));
      readSync(fd, buffer, 0, buffer.length, offset);
      bytesRead += buffer.length;
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    }, fileSize);
    return { track, bytesRead, fileSize };
  } finally {
    closeSync(fd);
  }
}

/** ffprobe's presentation times of the decoded frames, in whole microseconds. */
const probeTimes = (path: string) =>
  ffprobeRows(path, 'v:0', 'frame=pts_time').map(([pts]) => Math.round(Number(pts) * 1e6));

/** The shown samples' times in presentation order. */
const shownTimes = (track: Mp4VideoTrack) =>
  track.samples
    .filter((s) => s.shown)
    .map((s) => s.timeUs)
    .sort((a, b) => a - b);

describe('MP4 demuxer', { skip }, () => {
  it('a 25 fps clip (timescale 25, B-frames): codec string, sizes, times, keyframes, only moov read', async () => {
    const { track, bytesRead, fileSize } = await demux(clip('HyperLips_test_video1_video1.mp4'));
    assert.equal(track.codec, 'avc1.4d401f');
    assert.equal(track.description[0], 1, 'avcC configurationVersion');
    assert.deepEqual([track.codedWidth, track.codedHeight], [1278, 720]);
    assert.equal(track.timescale, 25);
    assert.equal(track.samples.length, 272);
    assert.deepEqual(
      shownTimes(track),
      track.samples.map((_, i) => i * 40000),
    );
    assert.ok(
      track.samples.some((s, i) => i > 0 && s.timeUs < track.samples[i - 1].timeUs),
      'decode order differs from presentation order',
    );
    assert.ok(track.samples[0].key && track.samples.some((s) => !s.key));
    assert.ok(track.samples.every((s, i) => i === 0 || s.offset > 0));
    assert.ok(bytesRead < fileSize / 10, `read ${bytesRead} of ${fileSize} bytes`);
  });

  it("B-frames and an edit list (media_time 1024): times equal ffprobe's frame times", async () => {
    for (const name of [
      'PCAVS_misc_Audio_Source_00104.mp4',
      'VExpress_test_samples_short_case_AOC_gt.mp4',
      'icpr2020dfdc_test_data_dfdc_dfdc_train_part_0_brtujopkby.mp4',
    ]) {
      const path = clip(name);
      const { track } = await demux(path);
      assert.deepEqual(shownTimes(track), probeTimes(path), name);
    }
  });

  it("an empty edit first (a picture that starts late): times equal ffprobe's, from the delay on", async () => {
    const source = clip('PCAVS_misc_Audio_Source_00104.mp4');
    const late = makeMedia('video-late-0.5s', [
      '-itsoffset',
      '0.5',
      '-i',
      source,
      '-i',
      source,
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c',
      'copy',
    ]);
    for (const [path, firstUs] of [
      [late, 500000],
      [clip('videoretalking_examples_face_1.mp4'), 33008], // a 33-ms empty edit: 507 ticks of 1/15360 s
    ] as const) {
      const { track } = await demux(path);
      assert.deepEqual(shownTimes(track), probeTimes(path), path);
      assert.equal(shownTimes(track)[0], firstUs, path);
    }
  });

  it('frames past the edit end are decoded but not shown, as FFmpeg drops them', async () => {
    for (const [name, samples, shown] of [
      ['Wav2Lip_checkpoints_test.mov', 682, 681],
      ['VExpress_scripts_prepare_dataset_RD_Radio10_0_clip_0.mp4', 62, 61],
    ] as const) {
      const path = clip(name);
      const { track } = await demux(path);
      assert.equal(track.samples.length, samples, name);
      assert.deepEqual(shownTimes(track), probeTimes(path), name);
      assert.equal(shownTimes(track).length, shown, name);
    }
  });

  it('moov first (faststart) or last gives the same samples, shifted by the moved box', async () => {
    const source = clip('PCAVS_misc_Audio_Source_00104.mp4');
    const faststart = makeMedia('faststart', ['-i', source, '-c', 'copy', '-movflags', '+faststart']);
    const [a, b] = [await demux(source), await demux(faststart)];
    assert.deepEqual(
      b.track.samples.map((s) => [s.timeUs, s.size, s.key]),
      a.track.samples.map((s) => [s.timeUs, s.size, s.key]),
    );
    assert.notEqual(b.track.samples[0].offset, a.track.samples[0].offset);
  });

  it('refuses what it leaves to playback, with the reason', async () => {
    const fragmented = makeMedia('fragmented', [
      '-i',
      clip('PCAVS_misc_Audio_Source_00104.mp4'),
      '-c',
      'copy',
      '-movflags',
      'frag_keyframe+empty_moov',
    ]);
    const cases: [string, RegExp][] = [
      [clip('HyperLips_test_audio_M003-002.mp4'), /video codec 'hev1'/],
      [clip('SadTalker_docs_still1.mp4'), /video codec 'mp4v'/],
      [clip('astorfi_data_sample_video.mp4'), /before the edit list start/],
      [clip('Sakthivel_inputs_input_video_input4.mp4'), /non-square pixels/],
      [clip('LipNet_evaluation_samples_GRID_bbaf2n.mpg'), /not an ISO BMFF file/],
      [fragmented, /fragmented MP4/],
    ];
    for (const [path, reason] of cases) {
      await assert.rejects(
        demux(path),
        (error: Error) => error instanceof Mp4Unsupported && reason.test(error.message),
        path,
      );
    }
  });
});

describe('H.264 SPS colour signalling', { skip }, () => {
  it("agrees with ffprobe's colour fields", async () => {
    const colour = async (name: string) => avcConfigColour((await demux(clip(name))).track.description);
    assert.deepEqual(await colour('HyperLips_test_video1_video1.mp4'), { described: true, fullRange: false }); // bt709, tv
    assert.deepEqual(await colour('LivePortrait_assets_examples_driving_d12.mp4'), {
      described: true,
      fullRange: false,
    }); // smpte170m
    assert.deepEqual(await colour('EDTalk_test_data_pose_source2.mp4'), {
      described: false,
      fullRange: true,
    }); // pc, no primaries
    assert.deepEqual(await colour('PCAVS_misc_Audio_Source_00104.mp4'), {
      described: false,
      fullRange: false,
    }); // unknown
  });
});

describe('an MP4 cut off before its index (lacksIndex)', () => {
  /** A top-level box: 32-bit size, type, payload. */
  const box = (type: string, payload: number) => {
    const bytes = new Uint8Array(8 + payload);
    new DataView(bytes.buffer).setUint32(0, bytes.length);
    bytes.set(Buffer.from(type, 'latin1'), 4);
    return bytes;
  };
  const file = (...boxes: Uint8Array[]) => Buffer.concat(boxes);
  const lacks = (bytes: Uint8Array) =>
    lacksIndex(async (offset, length) => bytes.subarray(offset, offset + length), bytes.length);

  it("an 'ftyp' and an 'mdat' without 'moov' (written last, never reached) lacks it; cut inside 'mdat' too", async () => {
    const whole = file(box('ftyp', 16), box('mdat', 4000), box('moov', 200));
    assert.equal(await lacks(whole), false);
    assert.equal(await lacks(whole.subarray(0, 24 + 4008)), true);
    assert.equal(await lacks(whole.subarray(0, 1000)), true);
  });

  it("a file with its 'moov' first and its media cut off has its index; what is no MP4 is not said to lack one", async () => {
    const faststart = file(box('ftyp', 16), box('moov', 200), box('mdat', 4000));
    assert.equal(await lacks(faststart.subarray(0, 1000)), false);
    assert.equal(await lacks(Buffer.from('this is not a video\n')), false);
    assert.equal(await lacks(new Uint8Array(0)), false);
    assert.equal(await lacks(file(box('RIFF', 100))), false);
  });
});
