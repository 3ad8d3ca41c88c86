// The MP4/MOV audio demuxer (src/core/media/mp4-audio.ts) in node on real clips and
// ffmpeg-made variants: every packet where ffprobe puts it (times after the edit list,
// sizes), the AudioSpecificConfig's codec string, and clear refusals otherwise.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import {
  Mp4NoAudio,
  readMp4AudioStart,
  readMp4AudioTrack,
  type Mp4AudioTrack,
} from '../../src/core/media/mp4-audio';
import { Mp4Unsupported } from '../../src/core/media/mp4-boxes';
import { clip, ffprobeRows, makeMedia, withSoundStartingLate } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const skip = existsSync(CLIPS_DIR) ? false : 'no ../shared/media/clips here';

async function demux(path: string): Promise<Mp4AudioTrack> {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    return await readMp4AudioTrack(async (offset, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, fileSize - offset)));
      readSync(fd, buffer, 0, buffer.length, offset);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    }, fileSize);
  } finally {
    closeSync(fd);
  }
}

/** ffprobe's audio packets: presentation time (µs, edit list applied) and size, in file order. */
const probePackets = (path: string): { timeUs: number; size: number }[] =>
  ffprobeRows(path, 'a:0', 'packet=pts_time,size').map(([pts, size]) => ({
    timeUs: Math.round(Number(pts) * 1e6),
    size: Number(size),
  }));

function probeStream(path: string): { rate: number; channels: number } {
  const [[rate, channels]] = ffprobeRows(path, 'a:0', 'stream=sample_rate,channels');
  return { rate: Number(rate), channels: Number(channels) };
}

describe('MP4 audio demuxer', { skip }, () => {
  it('real clips (16 kHz mono, 44.1 kHz stereo, a QuickTime .mov) and a 48 kHz ffmpeg file: packets as ffprobe sees them', async (t) => {
    const files = [
      clip('PCAVS_misc_Audio_Source_00104.mp4'),
      clip('HyperLips_test_video1_video1.mp4'),
      clip('Wav2Lip_checkpoints_test.mov'),
      makeMedia('aac-48k', [
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=300:sample_rate=48000',
        '-t',
        '2',
        '-c:a',
        'aac',
        '-b:a',
        '96k',
      ]),
    ];
    for (const path of files) {
      const track = await demux(path);
      const packets = probePackets(path);
      const { rate, channels } = probeStream(path);
      assert.equal(track.codec, 'mp4a.40.2', path);
      assert.deepEqual([track.sampleRate, track.channels], [rate, channels], path);
      assert.equal(track.description.length >= 2, true);
      // FFmpeg's mov reader drops packets past the edit's end; ours are marked not shown.
      const shown = track.samples.filter((s) => s.shown);
      assert.deepEqual(
        shown.map((s) => s.size),
        packets.map((p) => p.size),
        `${path}: sizes`,
      );
      // ffprobe prints times to 1 µs; ours are rounded from ticks the same way.
      shown.forEach((s, i) =>
        assert.ok(
          Math.abs(s.timeUs - packets[i].timeUs) <= 1,
          `${path} packet ${i}: ${s.timeUs} µs vs ffprobe ${packets[i].timeUs}`,
        ),
      );
      t.diagnostic(
        `${path.split('/').at(-1)}: ${shown.length} packets at ${rate} Hz × ${channels}, first at ${track.samples[0].timeUs} µs (priming)`,
      );
    }
  });

  it("a sound that starts late (an empty edit first): packets at ffprobe's times, from its start on", async () => {
    const path = withSoundStartingLate('mp4', clip('PCAVS_misc_Audio_Source_00104.mp4'));
    const track = await demux(path);
    const packets = probePackets(path);
    const shown = track.samples.filter((s) => s.shown && s.timeUs >= track.startUs);
    assert.deepEqual(
      shown.map((s) => s.size),
      packets.map((p) => p.size),
    );
    shown.forEach((s, i) => assert.ok(Math.abs(s.timeUs - packets[i].timeUs) <= 1, `packet ${i}`));
    assert.ok(track.startUs > 900_000 && track.startUs <= packets[0].timeUs, `starts at ${track.startUs} µs`);
    const fd = openSync(path, 'r');
    try {
      const bytes = readFileSync(fd);
      const start = await readMp4AudioStart(async (o, l) => bytes.subarray(o, o + l), bytes.length);
      assert.equal(start * 1e6, track.startUs);
    } finally {
      closeSync(fd);
    }
  });

  it('says why it declines: no audio track, MP3 in MP4, not an MP4', async () => {
    const silent = makeMedia('no-audio', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x64:rate=25',
      '-t',
      '1',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
    ]);
    await assert.rejects(demux(silent), Mp4NoAudio);
    const mp3 = makeMedia('mp3-in-mp4', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:sample_rate=44100',
      '-t',
      '1',
      '-c:a',
      'libmp3lame',
    ]);
    await assert.rejects(
      demux(mp3),
      (e: Error) =>
        e instanceof Mp4Unsupported && !(e instanceof Mp4NoAudio) && /object type 0x6b/.test(e.message),
    );
    const wav = makeMedia(
      'pcm-wav',
      ['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000', '-t', '1'],
      'wav',
    );
    await assert.rejects(demux(wav), Mp4Unsupported);
  });
});
