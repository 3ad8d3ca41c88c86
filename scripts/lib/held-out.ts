// Speaker-held-out evidence, shared by `npm run eval` (which judges it) and `npm run
// train` / `npm run finetune` (which fit the shipped calibration on it): every real clip of
// the feature cache, its audio variants (eval-variants.ts), each scored by the model of its
// fold (a model that never saw the speaker), as the decision's per-window evidence.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { WindowSpeech } from '../../src/core/train/clip-evidence';
import { speakerFolds } from '../../src/core/train/folds';
import { evidenceFor, type Evidenced } from './eval-decision';
import { foldModels, type EvalClip, type FoldModels, type FoldOptions } from './eval-folds';
import { SWAPS_PER_CLIP, variantsOf } from './eval-variants';
import { cachedClips, isTrainingClip, loadClip, seconds, speakerOf, type ManifestRow } from '../ml-common';

/** Music tracks decoded once to 16 kHz mono int16 (cached beside the feature cache). */
export function loadMusic(dir: string | null, cacheDir: string): { name: string; samples: Int16Array }[] {
  if (!dir || !existsSync(dir)) return [];
  const out: { name: string; samples: Int16Array }[] = [];
  const musicCache = join(cacheDir, '..', 'music');
  mkdirSync(musicCache, { recursive: true });
  for (const name of readdirSync(dir)
    .filter((f) => /\.(ogg|mp3|wav|flac|m4a|opus)$/i.test(f))
    .sort()) {
    const pcm = join(musicCache, `${name}.pcm`);
    if (!existsSync(pcm))
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-i',
        join(dir, name),
        '-ac',
        '1',
        '-ar',
        '16000',
        '-f',
        's16le',
        pcm,
      ]);
    const bytes = readFileSync(pcm);
    out.push({
      name,
      samples: new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    });
  }
  return out;
}

export interface HeldOutOptions extends Omit<FoldOptions, 'foldOf' | 'training' | 'evaluated'> {
  manifest: Map<string, ManifestRow> | null;
  minSeconds: number;
  musicDir: string | null;
  speechOf: WindowSpeech;
  log?: (line: string) => void;
}

export interface HeldOut {
  all: EvalClip[];
  reals: EvalClip[];
  evaluated: EvalClip[];
  foldOf: Map<string, number>;
  models: FoldModels;
  evidenced: Evidenced[];
  musicCount: number;
}

export async function heldOutEvidence(o: HeldOutOptions): Promise<HeldOut> {
  const started = Date.now();
  const all: EvalClip[] = cachedClips(o.cacheDir).map((file) => {
    const row = o.manifest?.get(file);
    return { file, row, speaker: speakerOf(file, row), ...loadClip(o.cacheDir, file) };
  });
  const reals = all.filter((c) => !c.row || c.row.status === 'real-in-sync');
  const evaluated = reals.filter((c) => c.features.durationS >= o.minSeconds);
  if (evaluated.length === 0)
    throw new Error(`${o.cacheDir}: no real clip of at least ${o.minSeconds} s to evaluate`);
  const foldOf = speakerFolds(
    reals.map((c) => ({ speaker: c.speaker, seconds: c.features.durationS })),
    o.folds,
    o.seed,
  );
  const training = all.filter((c) => isTrainingClip(c.row));
  const models = await foldModels({ ...o, foldOf, training, evaluated });
  const music = loadMusic(o.musicDir, o.cacheDir);
  const evidenced: Evidenced[] = [];
  for (const [i, clip] of evaluated.entries()) {
    const fold = foldOf.get(clip.speaker) ?? 0;
    const scorer = models.scorers[fold];
    // Donors from the same held-out fold when there are enough, so no model has heard the swapped-in voice either.
    const sameFold = reals.filter((d) => (foldOf.get(d.speaker) ?? 0) === fold && d.speaker !== clip.speaker);
    const donors =
      sameFold.length > SWAPS_PER_CLIP ? sameFold : reals.filter((d) => d.speaker !== clip.speaker);
    const tracks = await scorer.lipTracks(clip);
    for (const variant of variantsOf(clip, { donors, music, seed: o.seed }))
      evidenced.push(await evidenceFor(clip, fold, variant, scorer, o.speechOf, tracks));
    o.log?.(`${i + 1}/${evaluated.length} ${clip.file}  ${seconds(started)}`);
  }
  return { all, reals, evaluated, foldOf, models, evidenced, musicCount: music.length };
}
