// A file Chromium cannot play (MPEG-4 Part 2, HEVC, MPEG-PS …) converted by ffmpeg while the
// check runs, not before it: one ffmpeg process cuts the picture into H.264 MP4 parts of
// PART_SECONDS (a keyframe forced at each cut, timestamps starting at zero in every part)
// and the sound into WAV parts on the same cuts, each listed with its start time in a CSV
// segment list once it is complete. The file page checks part k while ffmpeg converts part
// k + 1, and the engine joins the parts at their start times into one timeline. Parts are
// deleted once checked, so the disk holds a few parts, not the whole converted file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Seconds of media per part: long enough that per-part work is negligible, short enough to start soon. */
export const PART_SECONDS = 30;
const POLL_MS = 200;
/** The picture as Chromium plays it, near-transparent (whole-file conversions use it too). */
export const H264_FOR_CHROMIUM = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '16',
  '-pix_fmt',
  'yuv420p',
];

export interface TranscodePart {
  video: string;
  /** The part's sound as WAV, or null when the file has none (or the check brings its own). */
  audio: string | null;
  /** Media time (s) of the part's first frame and first sample in the whole file. */
  start: number;
  audioStart: number;
}

export interface ProbedMedia {
  durationS: number;
  hasAudio: boolean;
  /**
   * Where the sound's first sample lies after ffmpeg's output zero (the input's start time,
   * the earliest of its streams; ffmpeg subtracts it unless -copyts), s: 0.4 for a recording
   * whose sound starts 0.4 s after its picture. The picture needs none: its H.264 parts are
   * written at a constant frame rate (the segment muxer's default), which fills a late
   * start from zero with its first frame.
   */
  audioLeadS: number;
  /** Why Chromium cannot play it, in words ("its video is MPEG-4 part 2"). */
  why: string;
}

/** Duration, sound and codecs of `input` by ffprobe; null when ffprobe cannot read it. */
export function probeMedia(input: string): ProbedMedia | null {
  const run = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type,codec_long_name,start_time:format=duration,format_long_name,start_time',
      '-of',
      'json',
      input,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) return null;
  const info = JSON.parse(run.stdout) as {
    streams?: { codec_type?: string; codec_long_name?: string; start_time?: string }[];
    format?: { duration?: string; format_long_name?: string; start_time?: string };
  };
  const streams = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) return null;
  const audio = streams.find((s) => s.codec_type === 'audio');
  const videoCodec = video.codec_long_name ?? 'an unknown codec';
  // ffprobe writes "N/A" where a container has no time: taken as the output's zero.
  const seconds = (s: string | undefined) => (Number.isFinite(Number(s)) ? Number(s) : null);
  const zero = seconds(info.format?.start_time) ?? 0;
  return {
    durationS: Number(info.format?.duration ?? 0) || 0,
    hasAudio: audio !== undefined,
    audioLeadS: Math.max(0, (seconds(audio?.start_time) ?? zero) - zero),
    why: `its video is ${videoCodec} in ${info.format?.format_long_name ?? 'an unknown container'}`,
  };
}

/**
 * ffmpeg's stderr in one line: its distinct messages without the "[codec @ 0x…]" prefixes,
 * the first (usually the cause) and the last new one (what it gave up on) — a damaged stream
 * repeats the same few lines per frame and thread.
 */
export function ffmpegComplaint(stderr: string, code: number | null): string {
  const lines = [
    ...new Set(
      stderr
        .split('\n')
        .map((line) => line.replace(/\[[^\]]* @ 0x[0-9a-f]+\]\s*/g, '').trim())
        .filter(Boolean),
    ),
  ];
  if (lines.length === 0) return `exit ${code}`;
  return lines.length === 1 ? lines[0] : `${lines[0]} … ${lines[lines.length - 1]}`;
}

/** Rows of an ffmpeg CSV segment list: file name and start time. */
function segmentList(path: string): { file: string; start: number }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.includes(','))
    .map((line) => {
      const [file, start] = line.split(',');
      return { file, start: Number(start) };
    });
}

export class StreamedTranscode {
  /** Parts handed out so far. */
  private next = 0;
  private exit: { code: number | null; stderr: string } | null = null;
  private stderr = '';
  private readonly child: ChildProcess;

  private constructor(
    input: string,
    private readonly dir: string,
    readonly probed: ProbedMedia,
    private readonly withAudio: boolean,
    partSeconds: number,
  ) {
    mkdirSync(dir, { recursive: true });
    const cut = ['-f', 'segment', '-segment_time', String(partSeconds), '-reset_timestamps', '1'];
    const list = (name: string) => ['-segment_list', join(dir, name), '-segment_list_type', 'csv'];
    const args = [
      ...['-v', 'error', '-nostdin', '-y', '-i', input],
      // No B-frames: every part's first frame is at its time zero, so start + local time is exact.
      ...['-map', '0:v:0', ...H264_FOR_CHROMIUM, '-bf', '0'],
      ...['-force_key_frames', `expr:gte(t,n_forced*${partSeconds})`],
      ...cut,
      ...list('video.csv'),
      ...['-segment_format', 'mp4', join(dir, 'video-%05d.mp4')],
    ];
    if (withAudio) {
      args.push('-map', '0:a:0', '-c:a', 'pcm_s16le', ...cut, ...list('audio.csv'));
      args.push('-segment_format', 'wav', join(dir, 'audio-%05d.wav'));
    }
    this.child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += chunk.toString();
    });
    this.child.on('close', (code) => (this.exit = { code, stderr: this.stderr.trim() }));
    this.child.on('error', (error) => (this.exit = { code: -1, stderr: error.message }));
  }

  /**
   * Starts converting `input` into `dir`; null when ffprobe finds no picture to convert.
   * `withAudio` false: the check brings its own sound (--audio), only the picture is converted.
   */
  static start(
    input: string,
    dir: string,
    { withAudio = true, partSeconds = PART_SECONDS } = {},
  ): StreamedTranscode | null {
    const probed = probeMedia(input);
    if (!probed) return null;
    return new StreamedTranscode(input, dir, probed, withAudio && probed.hasAudio, partSeconds);
  }

  get partsGiven(): number {
    return this.next;
  }

  /**
   * The next complete part, once ffmpeg has written it; null after the last. The part
   * before it is deleted (the page has read it by the time it asks for the next).
   * Throws when ffmpeg failed.
   */
  async nextPart(): Promise<TranscodePart | null> {
    const index = this.next;
    for (;;) {
      const done = this.exit;
      const video = segmentList(join(this.dir, 'video.csv'));
      const audio = this.withAudio ? segmentList(join(this.dir, 'audio.csv')) : [];
      const ready = video.length > index && (!this.withAudio || audio.length > index || done !== null);
      if (done && done.code !== 0)
        throw new Error(
          `ffmpeg could not convert it (is the file damaged?): ${ffmpegComplaint(done.stderr, done.code)}`,
        );
      if (ready) {
        if (index > 0) this.removePart(index - 1);
        this.next++;
        // A last sound part with no samples (a WAV header only) is no sound.
        const sound =
          audio[index] && statSync(join(this.dir, audio[index].file)).size > 44 ? audio[index] : undefined;
        const start = video[index].start;
        return {
          video: join(this.dir, video[index].file),
          audio: sound ? join(this.dir, sound.file) : null,
          start,
          // The segment muxer lists each part from its first sample's time, but the first part
          // from zero: sound that starts after the output's zero starts there (audioLeadS).
          audioStart: !sound ? start : index === 0 ? this.probed.audioLeadS : sound.start,
        };
      }
      if (done) return null;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private removePart(index: number): void {
    for (const name of [
      `video-${String(index).padStart(5, '0')}.mp4`,
      `audio-${String(index).padStart(5, '0')}.wav`,
    ])
      rmSync(join(this.dir, name), { force: true });
  }

  /** Stops ffmpeg (a cancelled or failed check) and removes every part. */
  close(): void {
    if (!this.exit) this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
