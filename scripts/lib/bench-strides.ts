// The bench's lip-stride block (npm run bench -- --strides[=N]): how much a check loses
// when the lips are embedded on a stride of windows (src/engine/lip-stride.ts, what a live
// check with a slow model does). One real in-sync clip per speaker of ../shared (the first
// N speakers in MANIFEST order), each also with another speaker's voice, checked through
// the CLI's page with the shipped embedded model at each of LIP_STRIDES; each stride
// compared with stride 1 on the same file: offset, confidence, evidence, verdict. The
// shipped model saw these clips in training: this measures what the stride changes, not
// how well the model generalises. With `--loop=S` each file is first looped to S seconds
// in sync (loop-clip.ts), so that the larger strides, which keep one window in 5 or 10,
// still gather the 2 s of evidence a verdict needs. Asserts nothing.
import { basename, extname, join, resolve } from 'node:path';
import { Checker } from './checker';
import { LIP_STRIDES } from '../../src/engine/lip-stride';
import type { CheckResult } from '../../src/engine/types';
import { readManifest } from '../ml-common';
import { makeMedia } from '../../test/helpers/media';
import { inSyncSeconds, loopInSync } from './loop-clip';

interface Pair {
  name: string;
  real: string;
  swapped: string;
}

/** `file` looped to `seconds` in sync, or `file` itself when `seconds` is null. */
function looped(file: string, seconds: number | null): string {
  if (seconds === null) return file;
  const stem = basename(file, extname(file));
  return loopInSync(file, {
    dir: resolve('.cache/bench/strides'),
    baseName: `${stem}-base.mkv`,
    outName: `${stem}-${seconds}s.mp4`,
    baseSeconds: inSyncSeconds(file),
    seconds,
  });
}

/** The first `count` speakers' first real clip, each paired with the next speaker's voice. */
function pairs(clipsDir: string, manifest: string, count: number, loopSeconds: number | null): Pair[] {
  const seen = new Set<string>();
  const reals = [...readManifest(manifest).values()].filter((row) => {
    if (row.status !== 'real-in-sync' || seen.has(row.speaker)) return false;
    seen.add(row.speaker);
    return true;
  });
  const chosen = reals.slice(0, count + 1);
  return chosen.slice(0, count).map((row, i) => {
    const real = join(clipsDir, row.file);
    const voice = join(clipsDir, chosen[(i + 1) % chosen.length].file);
    const swapped = makeMedia(`stride-swap-${i}`, [
      ...['-i', real, '-i', voice, '-map', '0:v', '-map', '1:a', '-shortest'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
    ]);
    return { name: row.file, real: looped(real, loopSeconds), swapped: looped(swapped, loopSeconds) };
  });
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

export async function runStrides(
  clipsDir: string,
  manifest: string,
  count: number,
  loopSeconds: number | null = null,
): Promise<void> {
  const checker = await Checker.open();
  const results = new Map<number, { real: CheckResult | null; swapped: CheckResult | null }[]>();
  try {
    console.log(
      `strides: ${count} speakers' real clips and the same with the next speaker's voice${loopSeconds ? `, each looped to ${loopSeconds} s` : ''}, shipped embedded model, each at lip strides ${LIP_STRIDES.join(', ')}`,
    );
    for (const pair of pairs(clipsDir, manifest, count, loopSeconds)) {
      for (const lipStride of LIP_STRIDES) {
        const check = async (video: string) => {
          const outcome = await checker.check({ video, lipStride });
          return outcome.ok ? outcome.result : null;
        };
        const row = { real: await check(pair.real), swapped: await check(pair.swapped) };
        results.set(lipStride, [...(results.get(lipStride) ?? []), row]);
      }
      process.stderr.write(`strides: ${pair.name} done\n`);
    }
  } finally {
    await checker.close();
  }
  const full = results.get(1)!;
  console.log(
    'stride  real: same verdict  FAKE  offset within ±1  max |Δoffset|  mean |Δconf|  evidence s   swapped: same verdict  FAKE  mean |Δp(mismatch)|',
  );
  for (const stride of LIP_STRIDES) {
    const rows = results.get(stride)!;
    const real = rows.map((r, i) => [r.real, full[i].real] as const).filter(([a, b]) => a && b);
    const judged = real.filter(([a, b]) => a!.offsetFrames !== null && b!.offsetFrames !== null);
    const dOffset = judged.map(([a, b]) => Math.abs(a!.offsetFrames! - b!.offsetFrames!));
    const dConf = judged.map(([a, b]) => Math.abs(a!.confidence! - b!.confidence!));
    const evidence = real.reduce((sum, [a]) => sum + a!.evidenceSeconds, 0) / Math.max(1, real.length);
    const swapped = rows.map((r, i) => [r.swapped, full[i].swapped] as const).filter(([a, b]) => a && b);
    const dP = swapped
      .filter(([a, b]) => a!.pMismatch !== null && b!.pMismatch !== null)
      .map(([a, b]) => Math.abs(a!.pMismatch! - b!.pMismatch!));
    const mean = (values: number[]) =>
      values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN;
    console.log(
      `${pad(stride, 6)}  ${pad(`${real.filter(([a, b]) => a!.verdict === b!.verdict).length}/${real.length}`, 17)}  ` +
        `${pad(real.filter(([a]) => a!.verdict === 'fake').length, 4)}  ` +
        `${pad(`${dOffset.filter((d) => d <= 1).length}/${judged.length}`, 16)}  ${pad(Math.max(0, ...dOffset), 13)}  ` +
        `${pad(mean(dConf).toFixed(3), 12)}  ${pad(evidence.toFixed(1), 10)}   ` +
        `${pad(`${swapped.filter(([a, b]) => a!.verdict === b!.verdict).length}/${swapped.length}`, 21)}  ` +
        `${pad(swapped.filter(([a]) => a!.verdict === 'fake').length, 4)}  ${pad(mean(dP).toFixed(3), 19)}`,
    );
  }
}
