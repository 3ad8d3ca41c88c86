// Test media made with ffmpeg from the shared clips (never committed): cached under
// test/.generated/media, keyed by the ffmpeg arguments so a changed recipe is remade.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLIPS_DIR } from './server';

export const MEDIA_DIR = resolve('test/.generated/media');

export const clip = (name: string): string => join(CLIPS_DIR, name);

/** Runs `ffmpeg -y <args> <out>` unless `out` exists, writing a partial file first (an interrupted run leaves no `out`). */
export function ffmpegOnce(args: string[], out: string): void {
  if (existsSync(out)) return;
  mkdirSync(dirname(out), { recursive: true });
  const extension = extname(out);
  const partial = `${out.slice(0, out.length - extension.length)}.part${extension}`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, partial], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(partial, out);
}

/** Runs `ffmpeg -y <args> <out>` once, `out` named by `name` and the arguments; returns the output path. */
export function makeMedia(name: string, args: string[], extension = 'mp4'): string {
  const key = createHash('sha256').update(args.join('\0')).digest('hex').slice(0, 10);
  const out = join(MEDIA_DIR, `${name}-${key}.${extension}`);
  ffmpegOnce(args, out);
  return out;
}

/** H.264 at near-transparent quality (CRF 18): fixtures whose pictures are analysed closely. */
export const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'];
/** H.264 at the encoder's default quality: fixtures that only need to play. */
export const X264_FAST = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
const AAC = ['-c:a', 'aac', '-b:a', '128k'];

/** The video of `video` with the audio of `audio` (audio cut to the video's length). */
export const withAudioOf = (name: string, video: string, audio: string) =>
  makeMedia(name, ['-i', video, '-i', audio, '-map', '0:v', '-map', '1:a', ...X264, ...AAC, '-shortest']);

/** The clip with its audio delayed by `frames` 25-fps frames (positive: audio late), same length. */
export const withAudioShift = (name: string, video: string, frames: number) => {
  const seconds = (frames * 0.04).toFixed(3);
  const audioFilter =
    frames >= 0 ? `adelay=${frames * 40}:all=1` : `atrim=start=${-frames * 0.04},asetpts=PTS-STARTPTS`;
  return makeMedia(name, [
    '-i',
    video,
    '-filter_complex',
    `[0:a]${audioFilter}[a]`,
    '-map',
    '0:v',
    '-map',
    '[a]',
    ...X264,
    ...AAC,
    '-t',
    String(probeDuration(video)),
    '-metadata',
    `comment=shift ${seconds}`,
  ]);
};

/** ffprobe's rows of `entries` (e.g. 'packet=pts_time,size') for one stream ('a:0', 'v:0'), each split at its commas. */
export function ffprobeRows(path: string, stream: string, entries: string): string[][] {
  return execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', stream, '-show_entries', entries, '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(','));
}

export function probeDuration(path: string): number {
  return Number(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], {
      encoding: 'utf8',
    }).trim(),
  );
}

/** VP8 at real-time speed: WebM fixtures that only need to play. */
export const VP8_FAST = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8'];

type Container = 'mp4' | 'mkv' | 'webm';

/** Picture and sound encoders for a fixture in `container`: WebM needs VP8 and Opus, the others copy the H.264 picture and take AAC. */
const containerCodecs = (container: Container) =>
  container === 'webm' ? [...VP8_FAST, '-c:a', 'libopus'] : ['-c:v', 'copy', '-c:a', 'aac'];

/**
 * `video`'s picture with its own sound from `seconds` on, muxed to start `seconds` after the
 * picture: in sync, as a recording whose sound starts late is. ffmpeg -itsoffset writes an
 * MP4 empty edit, a Matroska / WebM first audio block at that time. The sound is cut as PCM
 * and encoded in the final mux, so the encoder's priming is recorded there (a copied AAC
 * stream can lose it: 64 ms at 16 kHz, more than a frame).
 */
export function withSoundStartingLate(container: Container, video: string, seconds = 1): string {
  const sound = makeMedia(
    `sound-from-${seconds}s`,
    ['-i', video, '-vn', '-af', `atrim=start=${seconds},asetpts=PTS-STARTPTS`, '-c:a', 'pcm_s16le'],
    'wav',
  );
  return makeMedia(
    `sound-late-${seconds}s`,
    [
      '-i',
      video,
      '-itsoffset',
      String(seconds),
      '-i',
      sound,
      '-map',
      '0:v',
      '-map',
      '1:a',
      ...containerCodecs(container),
    ],
    container,
  );
}

/**
 * `video` with its sound missing from `from` to `to` s and the rest at its own times (a
 * dropout, as a recorder that lost the sound for a while writes it): in sync around the gap.
 */
export function withSoundDropout(container: Container, video: string, from = 4, to = 6): string {
  return makeMedia(
    `sound-dropout-${from}-${to}`,
    ['-i', video, '-af', `aselect='not(between(t,${from},${to}))'`, ...containerCodecs(container)],
    container,
  );
}

/** An empty file named like a video. */
export function emptyVideo(): string {
  mkdirSync(MEDIA_DIR, { recursive: true });
  const path = join(MEDIA_DIR, 'empty.mp4');
  writeFileSync(path, '');
  return path;
}

/** The first `fraction` of the bytes of a file made by ffmpeg with `args` (an unfinished download). */
export function cutFile(name: string, args: string[], fraction: number, extension = 'mp4'): string {
  const whole = readFileSync(makeMedia(name, args, extension));
  const path = join(MEDIA_DIR, `${name}-cut.${extension}`);
  writeFileSync(path, whole.subarray(0, Math.round(whole.length * fraction)));
  return path;
}
