// npm run shots -- <video or dir>… [--json]
// Runs the shot detector (src/core/video/shots.ts) over every frame of each video, decoded
// by ffmpeg to the signature's 32×18 picture (area scaling, as a canvas' smoothed
// downscale does), and prints per file the cuts found (time, distance, the typical
// distance before it) and the largest frame-to-frame distance that was not a cut. For
// measuring false cuts on real clips and tuning DEFAULT_SHOT_POLICY; the engine computes
// the same signature from the browser's own pictures.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  frameSignature,
  ShotDetector,
  signatureDistance,
  SIGNATURE_HEIGHT,
  SIGNATURE_WIDTH,
} from '../src/core/video/shots';

const VIDEO = /\.(mp4|mov|webm|mkv|mpg|avi)$/i;

export interface ShotReport {
  file: string;
  frames: number;
  cuts: { t: number; frame: number; distance: number }[];
  /** Largest frame-to-frame distance that was not a cut, and when. */
  maxOther: { t: number; distance: number };
}

/** Frames of `file` as 32×18 RGBA with their presentation times (ffmpeg's showinfo). */
export async function readSignatures(file: string): Promise<{ t: number; signature: number[] }[]> {
  const size = SIGNATURE_WIDTH * SIGNATURE_HEIGHT * 4;
  const args = [
    '-v',
    'info',
    '-nostats',
    '-threads',
    '1',
    '-i',
    file,
    '-map',
    '0:v:0',
    '-vsync',
    'passthrough',
    '-vf',
    `scale=${SIGNATURE_WIDTH}:${SIGNATURE_HEIGHT}:flags=area,showinfo`,
    '-pix_fmt',
    'rgba',
    '-f',
    'rawvideo',
    '-',
  ];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg failed on ${file}: ${log.split('\n').slice(-3).join(' ')}`);
  const times = [...log.matchAll(/pts_time:\s*([-\d.]+)/g)].map((m) => Number(m[1]));
  const bytes = Buffer.concat(chunks);
  const count = Math.floor(bytes.length / size);
  if (times.length !== count) throw new Error(`${file}: ${count} frames but ${times.length} times`);
  return times.map((t, i) => ({
    t,
    signature: frameSignature(
      new Uint8Array(bytes.buffer, bytes.byteOffset + i * size, size),
      SIGNATURE_WIDTH,
      SIGNATURE_HEIGHT,
    ),
  }));
}

export async function detectShots(file: string): Promise<ShotReport> {
  const frames = await readSignatures(file);
  const detector = new ShotDetector();
  const report: ShotReport = { file, frames: frames.length, cuts: [], maxOther: { t: 0, distance: 0 } };
  frames.forEach(({ t, signature }, i) => {
    const distance = i > 0 ? signatureDistance(frames[i - 1].signature, signature) : 0;
    if (detector.push(signature, t)) report.cuts.push({ t, frame: i, distance });
    else if (distance > report.maxOther.distance) report.maxOther = { t, distance };
  });
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const paths = args.filter((a) => a !== '--json');
  if (paths.length === 0) {
    console.error('usage: npm run shots -- <video or dir>… [--json]');
    process.exit(2);
  }
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => VIDEO.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
  let withCuts = 0;
  for (const file of files) {
    const report = await detectShots(file);
    if (report.cuts.length > 0) withCuts++;
    if (json) {
      console.log(JSON.stringify(report));
      continue;
    }
    const cuts = report.cuts.map((c) => `${c.t.toFixed(2)} s (d ${c.distance.toFixed(3)})`).join(', ');
    const maxOther = `max other d ${report.maxOther.distance.toFixed(3)} at ${report.maxOther.t.toFixed(2)} s`;
    console.log(
      `${report.cuts.length} cut(s)\t${report.frames} frames\t${maxOther}\t${file.split('/').pop()}${cuts ? `\t${cuts}` : ''}`,
    );
  }
  if (!json) console.log(`${withCuts} of ${files.length} files with cuts`);
}

if (process.argv[1]?.endsWith('shots.ts')) {
  main().catch((error) => {
    console.error(`shots: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
