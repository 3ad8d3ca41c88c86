// A clip looped to a given length with its sound and pictures in sync throughout (the bench's
// scaling and stride blocks). Looping a file as it is drifts: its sound is usually a few AAC
// frames shorter or longer than its pictures, so each loop would start the voice a little
// earlier or later. So a base piece is cut first to a length both streams fill exactly —
// whole 25-fps frames, with the sound kept as PCM (no encoder priming per loop) — and then
// looped with the pictures copied and the sound encoded once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ffmpegOnce } from '../../test/helpers/media';

export interface LoopOptions {
  /** Folder the base piece and the looped file are made in (once: an existing file is kept). */
  dir: string;
  /** File names of the base piece (.mkv) and of the looped file (.mp4). */
  baseName: string;
  outName: string;
  /** Seconds of the clip each loop repeats: whole 25-fps frames, within both streams. */
  baseSeconds: number;
  /** Length of the looped file (s). */
  seconds: number;
}

/** The longest whole number of 25-fps frames (s) that both the pictures and the sound of `file` fill. */
export function inSyncSeconds(file: string): number {
  const probe = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=duration:format=duration', '-of', 'json', file],
      {
        encoding: 'utf8',
      },
    ),
  ) as { streams: { duration?: string }[]; format: { duration?: string } };
  const durations = probe.streams.map((s) => Number(s.duration)).filter((d) => Number.isFinite(d) && d > 0);
  const seconds = durations.length ? Math.min(...durations) : Number(probe.format.duration);
  if (!(seconds > 0)) throw new Error(`${file}: no duration to loop`);
  return Math.floor(seconds * 25) / 25;
}

export function loopInSync(clip: string, o: LoopOptions): string {
  const base = join(o.dir, o.baseName);
  const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'];
  ffmpegOnce(['-i', clip, '-t', String(o.baseSeconds), '-r', '25', ...x264, '-c:a', 'pcm_s16le'], base);
  const out = join(o.dir, o.outName);
  ffmpegOnce(
    [
      '-stream_loop',
      '-1',
      '-i',
      base,
      '-t',
      String(o.seconds),
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
    ],
    out,
  );
  return out;
}
