// The bench's scaling block (npm run bench -- --scaling[=1,10,60]): one shared clip looped
// with ffmpeg (made once into .cache/bench/, in sync throughout) to files of several lengths, each
// checked by the real CLI (`npm run check -- --json`) in a child process while this process
// samples the proportional set size (PSS) of that process and every descendant — node plus
// Chromium, as a user running the check would see it — twice a second (at each new high of
// their resident size, ./pss.ts). It also notes when the
// CLI prints its first progress bar (the first frame read): what comes before is start-up (node,
// Chromium, the engine's loading), paid once per file whatever its length. Beside the wall
// clock it counts the CPU seconds of the same tree (./pss.ts TreeCpu, sampled with the
// memory), the work per video second, which another job on this shared machine changes less
// than it changes the wall clock. Asserts nothing.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loopInSync } from './loop-clip';
import { ffmpegOnce, probeDuration } from '../../test/helpers/media';
import { PeakPss, processTree, TreeCpu } from './pss';

/** Seconds of the clip each loop repeats: 296 frames at 25 fps. */
const BASE_SECONDS = 11.84;

/**
 * The looped file as it is (H.264/AAC MP4), or re-encoded to a format Chromium cannot play
 * (MPEG-4 Part 2 with MP3 in AVI, as old cameras and archives write it), which the CLI
 * converts with ffmpeg as the check goes (scripts/lib/streamed-transcode.ts).
 */
export type ScalingFormat = 'h264' | 'mpeg4';

export interface ScalingRow {
  minutes: number;
  format: ScalingFormat;
  videoSeconds: number;
  wallSeconds: number;
  /** From the CLI's start to its first progress bar (node, Chromium, the engine's loading). */
  startupSeconds: number;
  /** CPU seconds of node, Chromium (and ffmpeg) from start to end, and up to the first progress bar. */
  cpuSeconds: number;
  startupCpuSeconds: number;
  peakMiB: number;
  verdict: string;
}

/** The clip's first BASE_SECONDS looped to `minutes` (loop-clip.ts), as H.264 or as MPEG-4 Part 2 in AVI. */
export function loopedFile(clip: string, minutes: number, format: ScalingFormat = 'h264'): string {
  const dir = resolve('.cache/bench');
  const out = loopInSync(clip, {
    dir,
    baseName: 'loop-base.mkv',
    outName: `looped-${minutes}min.mp4`,
    baseSeconds: BASE_SECONDS,
    seconds: minutes * 60,
  });
  if (format === 'h264') return out;
  const avi = join(dir, `looped-${minutes}min.avi`);
  ffmpegOnce(['-i', out, '-c:v', 'mpeg4', '-q:v', '3', '-c:a', 'libmp3lame', '-b:a', '128k'], avi);
  return avi;
}

async function checkWithPeak(file: string): Promise<Omit<ScalingRow, 'minutes' | 'format' | 'videoSeconds'>> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/check.ts', '--json', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const peak = new PeakPss(child.pid!);
  const cpu = new TreeCpu(child.pid!);
  const timer = setInterval(() => {
    const tree = processTree(child.pid!); // one walk of /proc for both
    peak.sample(tree);
    cpu.sample(tree);
  }, 500);
  let out = '';
  let beforeFirstFrame = '';
  let firstFrameAt = NaN;
  let startupCpuSeconds = NaN;
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (!Number.isNaN(firstFrameAt)) return;
    // The progress bar ('name [....] 0% 0.0/80.5 s') appears once the first frame is read;
    // kept until then, as a line may come in two chunks.
    beforeFirstFrame += chunk.toString();
    if (!/\] \d+% /.test(beforeFirstFrame)) return;
    firstFrameAt = performance.now();
    cpu.sample();
    startupCpuSeconds = cpu.seconds;
  });
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  clearInterval(timer);
  const line = out.trim().split('\n').at(-1) ?? '';
  let verdict = `exit ${code}`;
  try {
    verdict = JSON.parse(line).verdict ?? verdict;
  } catch {
    // no JSON line: the exit code says what happened
  }
  return {
    wallSeconds: (performance.now() - started) / 1000,
    startupSeconds: (firstFrameAt - started) / 1000,
    cpuSeconds: cpu.seconds,
    startupCpuSeconds,
    peakMiB: peak.peakKiB / 1024,
    verdict,
  };
}

/** Seconds per video second, in all and once the first frame is read. */
const perVideoSecond = (row: ScalingRow) => row.wallSeconds / row.videoSeconds;
const afterStartup = (row: ScalingRow) => (row.wallSeconds - row.startupSeconds) / row.videoSeconds;
/** CPU seconds per video second, in all and once the first frame is read. */
const cpuPerVideoSecond = (row: ScalingRow) => row.cpuSeconds / row.videoSeconds;
const cpuAfterStartup = (row: ScalingRow) => (row.cpuSeconds - row.startupCpuSeconds) / row.videoSeconds;

/** The run whose seconds per video second is the median of `runs` (the lower middle one for an even count). */
function medianRun(runs: ScalingRow[]): ScalingRow {
  const sorted = [...runs].sort((a, b) => perVideoSecond(a) - perVideoSecond(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * Checks each length (and format) `repeat` times, in rounds; with more than one run the ratios
 * compare the median runs, since a short file's rate on a shared machine varies by more than
 * the 10 % the flatness target allows (docs/speed.md).
 */
export async function runScaling(
  clip: string,
  minutesList: number[],
  formats: ScalingFormat[] = ['h264'],
  repeat = 1,
): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  console.log(
    `scaling: the first ${BASE_SECONDS} s of ${clip} looped (pictures copied, sound encoded once), each length checked by npm run check -- --json${repeat > 1 ? ` ${repeat} times, in rounds` : ''}; peak = PSS of node + Chromium (+ ffmpeg converting an mpeg4 file), read at each new high of their resident size (sampled every 0.5 s)`,
  );
  console.log(
    'minutes  format    video s    wall s   s per video s   start-up s   after start-up s/s   CPU s/s   CPU after start-up s/s   peak MiB   verdict',
  );
  const files = minutesList.flatMap((minutes) =>
    formats.map((format) => {
      const file = loopedFile(clip, minutes, format);
      return { minutes, format, file, videoSeconds: probeDuration(file) };
    }),
  );
  // Round by round (every length once, then again): a machine that is slower for a while
  // slows runs of every length, not all the runs of one.
  for (let i = 0; i < repeat; i++) {
    for (const { minutes, format, file, videoSeconds } of files) {
      const row = { minutes, format, videoSeconds, ...(await checkWithPeak(file)) };
      rows.push(row);
      console.log(
        `${String(minutes).padStart(7)}  ${format.padEnd(6)} ${videoSeconds.toFixed(1).padStart(9)} ${row.wallSeconds.toFixed(1).padStart(9)} ${perVideoSecond(row).toFixed(3).padStart(15)} ${row.startupSeconds.toFixed(1).padStart(12)} ${afterStartup(row).toFixed(3).padStart(20)} ${cpuPerVideoSecond(row).toFixed(3).padStart(9)} ${cpuAfterStartup(row).toFixed(3).padStart(24)} ${row.peakMiB.toFixed(0).padStart(10)}   ${row.verdict}`,
      );
    }
  }
  const h264 = rows.filter((r) => r.format === 'h264');
  const lengths = [...new Set(h264.map((r) => r.minutes))];
  if (lengths.length > 1) {
    const median = (m: number) => medianRun(h264.filter((r) => r.minutes === m));
    const [first, last] = [median(lengths[0]), median(lengths.at(-1)!)];
    console.log(
      `ratios ${last.minutes} min / ${first.minutes} min${repeat > 1 ? ' (median runs)' : ''}: peak memory ${(last.peakMiB / first.peakMiB).toFixed(2)}×, s per video s ${(perVideoSecond(last) / perVideoSecond(first)).toFixed(2)}×, after start-up ${(afterStartup(last) / afterStartup(first)).toFixed(2)}×; CPU s per video s ${(cpuPerVideoSecond(last) / cpuPerVideoSecond(first)).toFixed(2)}×, after start-up ${(cpuAfterStartup(last) / cpuAfterStartup(first)).toFixed(2)}×`,
    );
  }
  return rows;
}
