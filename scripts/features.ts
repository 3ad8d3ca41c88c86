// npm run features -- <dir> [--out <cache>] [--force]
// Runs the engine's face tracking on every video in <dir> (headless Chromium, one browser)
// and caches, per clip, <cache>/<file>.features.json (ClipFeatures: per-frame face boxes,
// lip landmarks, blendshapes, pose) and <cache>/<file>.pcm (mono 16 kHz int16 as the
// engine resamples it), so training and evaluation run in node without decoding video
// again. A clip whose cache is newer than the clip is skipped unless --force.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Checker, videosIn } from './lib/checker';

function parse(argv: string[]) {
  const dirs: string[] = [];
  let out: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--force') force = true;
    else if (argv[i].startsWith('--')) throw new Error(`unknown option ${argv[i]}`);
    else dirs.push(argv[i]);
  }
  if (dirs.length !== 1) throw new Error('usage: npm run features -- <dir> [--out <cache>] [--force]');
  return { dir: resolve(dirs[0]), out: resolve(out ?? join('.cache', 'features', basename(resolve(dirs[0])))), force };
}

async function main() {
  const { dir, out, force } = parse(process.argv.slice(2));
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  const videos = videosIn(dir);
  if (videos.length === 0) throw new Error(`${dir}: no video files`);
  mkdirSync(out, { recursive: true });
  const checker = await Checker.open();
  let failed = 0;
  try {
    for (const [i, video] of videos.entries()) {
      const name = basename(video);
      const target = join(out, `${name}.features.json`);
      if (!force && existsSync(target) && statSync(target).mtimeMs > statSync(video).mtimeMs) continue;
      const started = Date.now();
      const result = await checker.extractFeatures(video);
      if (!result.ok) {
        failed++;
        process.stderr.write(`features: ${name}: ${result.error}\n`);
        continue;
      }
      if (result.pcm) writeFileSync(join(out, `${name}.pcm`), new Uint8Array(result.pcm.buffer, result.pcm.byteOffset, result.pcm.byteLength));
      writeFileSync(target, JSON.stringify(result.features));
      const withFace = result.features.frames.filter((f) => f.faces.length > 0).length;
      process.stderr.write(
        `[${i + 1}/${videos.length}] ${name}: ${result.features.frames.length} frames, face in ${withFace}, audio ${result.pcm ? (result.pcm.length / 16000).toFixed(1) + ' s' : 'none'}${result.transcoded ? ' (transcoded)' : ''} — ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
  } finally {
    await checker.close();
  }
  process.stderr.write(`features: cache in ${out}${failed ? `, ${failed} clip(s) failed` : ''}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((error: Error) => {
  process.stderr.write(`features: ${error.message}\n`);
  process.exit(1);
});
