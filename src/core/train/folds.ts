// Speaker-disjoint folds: every reported figure comes from a model that never saw the
// clip's speaker. Speakers are shuffled with a seed, then dealt largest first to the fold
// with the least material so far (balanced by seconds of video).
import { Rng } from './rng';

export function speakerFolds(
  items: readonly { speaker: string; seconds: number }[],
  folds: number,
  seed: number,
): Map<string, number> {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`need at least 2 folds, got ${folds}`);
  const totals = new Map<string, number>();
  for (const { speaker, seconds } of items) totals.set(speaker, (totals.get(speaker) ?? 0) + seconds);
  const speakers = new Rng(seed).fork('folds').shuffle([...totals.keys()].sort());
  // Stable sort keeps the shuffled order among equal totals.
  speakers.sort((a, b) => totals.get(b)! - totals.get(a)!);
  const load = new Array<number>(folds).fill(0);
  const out = new Map<string, number>();
  for (const speaker of speakers) {
    let best = 0;
    for (let f = 1; f < folds; f++) if (load[f] < load[best]) best = f;
    out.set(speaker, best);
    load[best] += totals.get(speaker)!;
  }
  return out;
}
