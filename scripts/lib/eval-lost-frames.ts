// Frames lost on the way. A live check on a busy machine does not see every frame: in the
// fresh-clone CI at 4d73f49 Firefox analysed 214 of a 4-s loop's ~325 frames, and one pass
// of that genuine loop was judged a mismatch. The engine fills a lost frame's grid slot with
// the nearest frame it has and keeps frozen mouths from voting (src/core/video/frame-drops.ts);
// the evaluation's variants otherwise see every decoded frame. Here a clip's own audio and
// its swaps are judged again on what such a check would see — the frames kept, the 25-fps
// grid split only at stalls, frozen windows' lips not embedded, the shares of frames lost in
// the decision's context — through the decision and the live replay (eval-live.ts).
import type { DecisionCalibration } from '../../src/core/decision/calibration';
import { Rng } from '../../src/core/train/rng';
import { GRID_FPS, WINDOW_FRAMES } from '../../src/core/sync/windows';
import { clipGrid, segmentBreaks } from '../../src/core/train/clip-score';
import {
  droppedFrameRatio,
  FrameDropCounter,
  isFrozenWindow,
  lostFrameRatio,
  STALL_SECONDS,
} from '../../src/core/video/frame-drops';
import type { WindowSpeech } from '../../src/core/train/clip-evidence';
import { torchMedian } from '../../src/core/numeric';
import { evidenceFor, judge, type Evidenced } from './eval-decision';
import type { ClipScorer, EvalClip, LipGrid } from './eval-folds';
import { liveTable, replayRow, type ReplayRow } from './eval-live';

export interface LossPattern {
  name: string;
  /** Whether frame `index` of the clip reaches the engine. */
  keeps: (index: number, rng: Rng) => boolean;
}

/**
 * A third lost at random (runs of three or more freeze the mouth), and every other frame
 * (what the page's frame pacer sends when the engine falls behind: content/frame-pacer.ts).
 */
export const LOSS_PATTERNS: readonly LossPattern[] = [
  { name: 'a third of frames lost at random', keeps: (_, rng) => rng.next() >= 1 / 3 },
  { name: 'every other frame', keeps: (index) => index % 2 === 0 },
];

/** The clip as a check that lost frames sees it. */
export interface LossyView {
  clip: EvalClip;
  grid: LipGrid;
  frameLoss: NonNullable<Evidenced['frameLoss']>;
}

export function lossyView(clip: EvalClip, pattern: LossPattern, seed: number): LossyView {
  const rng = new Rng(seed).fork(`lost-frames:${pattern.name}:${clip.file}`);
  const frames = clip.features.frames.filter((_, i) => pattern.keeps(i, rng));
  // The engine's grid splits at a stall, not at lost frames (engine.ts GridBuilder).
  const segments = clipGrid({ frames }, STALL_SECONDS);
  // The engine's count of lost frames, and the typical interval a window is judged frozen by
  // (as of its last frame: the engine embeds a window soon after its frames arrive).
  const counter = new FrameDropCounter();
  const breakSet = new Set(segmentBreaks(frames));
  const typical = frames.map((f, i) => {
    if (breakSet.has(i)) counter.restart();
    counter.push(f.t);
    return counter.typicalInterval();
  });
  const frozen = (s: number, gridStart: number) => {
    const segment = segments[s];
    const indices = segment.frameIndices.slice(gridStart, gridStart + WINDOW_FRAMES);
    return isFrozenWindow(
      indices.map((_, k) => segment.startTimeSec + (gridStart + k) / GRID_FPS),
      indices.map((f) => frames[f].t),
      typical[indices[indices.length - 1]],
    );
  };
  return {
    clip: { ...clip, features: { ...clip.features, frames } },
    grid: { segments, frozen },
    frameLoss: { droppedFrameRatio: droppedFrameRatio([counter]), lostFrameRatio: lostFrameRatio([counter]) },
  };
}

export interface LostFramesOptions {
  /** Every variant's evidence on all frames; its own audio and swaps are judged again. */
  evidenced: readonly Evidenced[];
  scorers: readonly ClipScorer[];
  calibrations: readonly DecisionCalibration[];
  speechOf: WindowSpeech;
  seed: number;
}

export interface LostFramesResult {
  rows: ReplayRow[];
  /** report.md's section body. */
  lines: string[];
}

/** The clips' own audio and swaps judged and replayed under each loss pattern. */
export async function judgeLostFrames(o: LostFramesOptions): Promise<LostFramesResult> {
  const byClip = new Map<EvalClip, Evidenced[]>();
  for (const e of o.evidenced)
    if (e.variant.kind === 'real' || e.variant.kind === 'swap')
      byClip.set(e.clip, [...(byClip.get(e.clip) ?? []), e]);
  const rows: ReplayRow[] = [];
  const notes: string[] = [];
  for (const pattern of LOSS_PATTERNS) {
    const kept: number[] = [];
    const lost: number[] = [];
    const votesKept: number[] = [];
    for (const [clip, ofClip] of byClip) {
      const view = lossyView(clip, pattern, o.seed);
      kept.push(view.clip.features.frames.length / Math.max(1, clip.features.frames.length));
      lost.push(view.frameLoss.droppedFrameRatio);
      const scorer = o.scorers[ofClip[0].fold];
      const tracks = await scorer.lipTracks(view.clip, view.grid);
      for (const full of ofClip) {
        const e: Evidenced = {
          ...(await evidenceFor(
            view.clip,
            full.fold,
            full.variant,
            scorer,
            o.speechOf,
            tracks,
            view.grid.segments,
          )),
          frameLoss: view.frameLoss,
        };
        if (full.votes > 0) votesKept.push(e.votes / full.votes);
        const calibration = o.calibrations[full.fold];
        rows.push(replayRow(judge(e, calibration), calibration, `${full.variant.kind}, ${pattern.name}`));
      }
    }
    const pct = (values: number[]) => `${Math.round(100 * torchMedian(values))} %`;
    notes.push(
      `${pattern.name}: frames kept ${pct(kept)}, counted lost by the engine's rule ${pct(lost)}, ` +
        `voting windows ${pct(votesKept)} of those on every frame (medians over ${byClip.size} clips).`,
    );
  }
  return { rows, lines: [...liveTable(rows), '', ...notes] };
}
