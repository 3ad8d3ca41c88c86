// What the conditions builder measures about its inputs with ffprobe / ffmpeg: size and
// duration, the mean level (volumedetect) and where the speech lies (silencedetect).
import { spawnSync } from 'node:child_process';
import type { TimeSpan } from './conditions-types';

export interface MediaInfo {
  durationS: number;
  width: number;
  height: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

function run(binary: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${binary}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${binary} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** ffmpeg with an argument list (never a shell string); throws with its stderr on failure. */
export const ffmpeg = (args: string[]): void => void run('ffmpeg', args);

export function probe(path: string): MediaInfo {
  const { stdout } = run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_type,width,height',
    '-of',
    'json',
    path,
  ]);
  const json = JSON.parse(stdout) as {
    format?: { duration?: string };
    streams?: { codec_type: string; width?: number; height?: number }[];
  };
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  return {
    durationS: Number(json.format?.duration ?? 0),
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    hasVideo: Boolean(video),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}

/**
 * Silence threshold for placing spans, relative to the clip's mean level (placement
 * only; not a speech detector): clips differ by 20 dB and more in level and noise floor.
 */
const SILENCE_BELOW_MEAN_DB = 13;

const runAudioFilter = (path: string, filter: string): string =>
  run('ffmpeg', ['-nostdin', '-nostats', '-i', path, '-map', '0:a:0', '-af', filter, '-f', 'null', '-'])
    .stderr;

/** Mean volume (dBFS) and the span from the first to the last non-silent stretch of the first audio track. */
export function measureAudio(path: string, durationS: number): { meanDb: number; speech: TimeSpan } {
  const mean = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(runAudioFilter(path, 'volumedetect'));
  const meanDb = mean && mean[1] !== '-inf' ? Number(mean[1]) : -91;
  const noise = Math.min(-30, meanDb - SILENCE_BELOW_MEAN_DB);
  return {
    meanDb,
    speech: speechSpan(runAudioFilter(path, `silencedetect=noise=${noise.toFixed(1)}dB:d=0.3`), durationS),
  };
}

/** The complement of leading and trailing silences in silencedetect's log (the whole clip when none). */
export function speechSpan(log: string, durationS: number): TimeSpan {
  const starts = [...log.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...log.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  let start = 0;
  let end = durationS;
  if (starts.length && starts[0] <= 0.05 && ends.length) start = ends[0];
  const last = starts[starts.length - 1];
  // A final silence has no end line (it runs to the end of the file), or ends at the end.
  if (starts.length && (ends.length < starts.length || ends[ends.length - 1] >= durationS - 0.05)) end = last;
  return end - start > 0.3 ? { start, end } : { start: 0, end: durationS };
}
