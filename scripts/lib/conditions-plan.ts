// What the conditions set holds for each real clip (issue 10 item 7): the seeded choices
// (donor, music, spans, shifts) and the ground truth, without running anything. The
// ffmpeg recipes live in conditions-ffmpeg.ts. Every draw comes from a generator forked
// on (seed, clip, condition), and donors / music are picked by rendezvous hashing
// (the candidate with the lowest hash of seed, clip, purpose and candidate wins), so
// adding or removing a clip changes another clip's choices only when it is, or was,
// that clip's winner.
import { Rng } from '../../src/core/train/rng';
import type { Verdict } from '../../src/core/state';
import { conditionLabel, type ConditionEntry, type TimeSpan } from './conditions-types';

/** One real clip with what the planner needs to know about it (measured by the builder). */
export interface SourceClip {
  file: string;
  path: string;
  speaker: string;
  /** The manifest's confidence in the clip's in-sync label ('low': provenance unknown), when it gives one. */
  labelConfidence?: string;
  durationS: number;
  width: number;
  height: number;
  /** From the first to the last non-silent stretch (the whole clip when nothing was found). */
  speech: TimeSpan;
  /** ffmpeg volumedetect's mean volume, dBFS. */
  meanDb: number;
}

export interface MusicTrack {
  file: string;
  path: string;
  durationS: number;
  meanDb: number;
}

export interface PlanOptions {
  seed: number;
  /** Audio shifts in frames (positive ⇒ sound early), and how many of them each clip gets. */
  shifts: readonly number[];
  shiftsPerClip: number;
}

export type Recipe =
  | { kind: 'music-only'; music: MusicTrack; musicStart: number; musicGainDb: number }
  | { kind: 'speech-under-music'; music: MusicTrack; musicStart: number; musicGainDb: number }
  | { kind: 'cutaway'; span: TimeSpan }
  | { kind: 'listener'; span: TimeSpan; donor: SourceClip }
  | { kind: 'two-speakers'; donor: SourceClip; donorDurationS: number }
  | { kind: 'turn-shift'; donor: SourceClip; donorDurationS: number; frames: number }
  | {
      kind: 'turn-swap';
      donor: SourceClip;
      donorDurationS: number;
      voice: SourceClip;
      voiceStart: number;
      voiceGainDb: number;
    }
  | { kind: 'partial-swap'; span: TimeSpan; donor: SourceClip; donorStart: number; donorGainDb: number }
  | { kind: 'reencode' }
  | { kind: 'swap'; donor: SourceClip; donorStart: number; donorGainDb: number }
  | { kind: 'shift'; frames: number };

export interface ConditionJob {
  entry: Omit<ConditionEntry, 'key'>;
  recipe: Recipe;
  clip: SourceClip;
}

export const FRAME_S = 0.04;
/** Music under speech sits this far below the speech's level (issue 10 item 7). */
export const MUSIC_UNDER_SPEECH_DB = -10;
/** Second speaker's part in two-speakers: at most this long, so the set stays small. */
const MAX_SECOND_SPEAKER_S = 8;
/**
 * turn-shift: the second person's own sound this many frames (1 s) early or late — past
 * syncnet_python's ±15-frame search, as a remote guest's delay or a turn edited in out of
 * step can be — when their part is long enough to keep 2 s of it under the moved sound.
 */
export const TURN_SHIFT_FRAMES = 25;
const MIN_TURN_SHIFT_PART_S = 4;

/**
 * Ground truth of an audio shift (ITU-R BT.1359 acceptability): sound more than 90 ms
 * early (k ≥ +3 at 40 ms a frame) or more than 185 ms late (k ≤ −5) is shifted.
 */
export function expectedForShift(frames: number): Verdict {
  return frames * 40 > 90 || -frames * 40 > 185 ? 'shifted' : 'real';
}

const ms = (s: number): number => Math.round(s * 1000) / 1000;
/** Rounds to the 25-fps frame grid (cuts land on frame boundaries), written to the millisecond. */
const onGrid = (s: number): number => ms(Math.round(s / FRAME_S) * FRAME_S);

/** The candidate with the lowest seeded hash for (clip, purpose); null when there is none. */
export function rendezvous<T extends { file: string }>(
  seed: number,
  clip: string,
  purpose: string,
  candidates: readonly T[],
): T | null {
  let best: T | null = null;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = new Rng(seed).fork(clip).fork(purpose).fork(c.file).next();
    if (score < bestScore || (score === bestScore && best && c.file < best.file))
      [best, bestScore] = [c, score];
  }
  return best;
}

/** A span of `length` seconds placed uniformly inside [from, to], or null when it does not fit. */
function placeSpan(
  rng: Rng,
  length: number,
  from: number,
  to: number,
  snap: (s: number) => number,
): TimeSpan | null {
  if (to - from < length) return null;
  const start = snap(from + rng.next() * (to - from - length));
  return { start, end: snap(start + length) };
}

type Draft = Pick<ConditionJob, 'recipe'> &
  Partial<Omit<ConditionEntry, 'key' | 'file' | 'source' | 'speaker' | 'fold' | 'seed' | 'condition'>> & {
    expected: Verdict;
  };

/** What each condition's planner draws from: seeded generators and donors for this clip. */
interface PlanContext {
  clip: SourceClip;
  rng: (condition: string) => Rng;
  /** The rendezvous winner among other speakers' clips that fit. */
  donor: (purpose: string, fits?: (c: SourceClip) => boolean) => SourceClip | null;
}

/** Music alone at the speech's own level (the loud-music-no-speech case), and music 10 dB under the speech. */
function musicDrafts({ clip, rng }: PlanContext, track: MusicTrack | null): Draft[] {
  if (!track) return [];
  const musicStart = ms(rng('music').next() * Math.max(0, track.durationS - 1));
  const level = clip.meanDb - track.meanDb;
  return [
    {
      expected: 'cannot-judge',
      music: track.file,
      recipe: { kind: 'music-only', music: track, musicStart, musicGainDb: level },
    },
    {
      expected: 'real',
      music: track.file,
      recipe: {
        kind: 'speech-under-music',
        music: track,
        musicStart,
        musicGainDb: level + MUSIC_UNDER_SPEECH_DB,
      },
    },
  ];
}

/** Genuine sound over other pictures: a faceless cutaway, a listener's still face, a second speaker's own shot. */
function pictureDrafts({ clip, rng, donor }: PlanContext): Draft[] {
  const D = clip.durationS;
  const out: Draft[] = [];
  const cut = placeSpan(rng('cutaway'), onGrid(2 + rng('cutaway-length').next()), 0.5, D - 0.5, onGrid);
  if (cut) out.push({ expected: 'real', span: cut, recipe: { kind: 'cutaway', span: cut } });
  const face = donor('listener');
  const listenSpan = D >= 3 ? placeSpan(rng('listener'), onGrid(D / 3), 0.2, D - 0.2, onGrid) : null;
  if (face && listenSpan)
    out.push({
      expected: 'real',
      span: listenSpan,
      donor: face.file,
      donorSpeaker: face.speaker,
      recipe: { kind: 'listener', span: listenSpan, donor: face },
    });
  const second = donor('two-speakers', (c) => c.durationS >= 2);
  if (!second) return out;
  const donorDurationS = ms(Math.min(second.durationS, MAX_SECOND_SPEAKER_S));
  out.push({
    expected: 'real',
    donor: second.file,
    donorSpeaker: second.speaker,
    recipe: { kind: 'two-speakers', donor: second, donorDurationS },
  });
  // The same two people in turn, the second one's own sound 1 s early or late (seeded).
  if (donorDurationS >= MIN_TURN_SHIFT_PART_S) {
    const frames = rng('turn-shift').next() < 0.5 ? TURN_SHIFT_FRAMES : -TURN_SHIFT_FRAMES;
    const turnStart = ms(framesOf(clip.durationS));
    out.push({
      expected: 'shifted',
      span: { start: turnStart, end: ms(turnStart + framesOf(donorDurationS)) },
      shiftFrames: frames,
      donor: second.file,
      donorSpeaker: second.speaker,
      recipe: { kind: 'turn-shift', donor: second, donorDurationS, frames },
    });
  }
  // The same two people in turn, the second one's whole turn voiced by a third person.
  const voice = donor('turn-swap', (c) => c.speaker !== second.speaker && c.speech.end - c.speech.start >= 1);
  if (voice) {
    const turnStart = ms(framesOf(clip.durationS));
    out.push({
      expected: 'fake',
      span: { start: turnStart, end: ms(turnStart + framesOf(donorDurationS)) },
      donor: second.file,
      donorSpeaker: second.speaker,
      voice: voice.file,
      voiceSpeaker: voice.speaker,
      recipe: {
        kind: 'turn-swap',
        donor: second,
        donorDurationS,
        voice,
        voiceStart: ms(voice.speech.start),
        voiceGainDb: second.meanDb - voice.meanDb,
      },
    });
  }
  return out;
}

/** Another voice for part or all of the clip, the social re-encode, and the seeded shifts. */
function soundDrafts(ctx: PlanContext, opts: PlanOptions): Draft[] {
  const { clip, rng, donor } = ctx;
  const out: Draft[] = [];
  const partial = planPartialSwap(clip, rng('partial-swap'), (length) =>
    donor('partial-swap', (c) => c.speech.end - c.speech.start >= length),
  );
  if (partial) out.push(partial);
  out.push({ expected: 'real', recipe: { kind: 'reencode' } });
  const voice = donor('swap', (c) => c.speech.end - c.speech.start >= 1);
  if (voice)
    out.push({
      expected: 'fake',
      donor: voice.file,
      donorSpeaker: voice.speaker,
      recipe: {
        kind: 'swap',
        donor: voice,
        donorStart: ms(voice.speech.start),
        donorGainDb: clip.meanDb - voice.meanDb,
      },
    });
  for (const k of rng('shifts').shuffle(opts.shifts).slice(0, opts.shiftsPerClip)) {
    out.push({ expected: expectedForShift(k), shiftFrames: k, recipe: { kind: 'shift', frames: k } });
  }
  return out;
}

/** Plans every condition of one clip; `pool` is every real clip (donors come from other speakers). */
export function planClip(
  clip: SourceClip,
  pool: readonly SourceClip[],
  music: readonly MusicTrack[],
  opts: PlanOptions,
): ConditionJob[] {
  const others = pool.filter((c) => c.speaker !== clip.speaker);
  const ctx: PlanContext = {
    clip,
    rng: (condition) => new Rng(opts.seed).fork(clip.file).fork(condition),
    donor: (purpose, fits = () => true) => rendezvous(opts.seed, clip.file, purpose, others.filter(fits)),
  };
  const drafts = [
    ...musicDrafts(ctx, rendezvous(opts.seed, clip.file, 'music', music)),
    ...pictureDrafts(ctx),
    ...soundDrafts(ctx, opts),
  ];
  return drafts.map(({ recipe, ...rest }) => ({
    clip,
    recipe,
    entry: {
      file: outputName(clip.file, conditionLabel({ condition: recipe.kind, shiftFrames: rest.shiftFrames })),
      source: clip.file,
      condition: recipe.kind,
      speaker: clip.speaker,
      fold: clip.speaker,
      ...(clip.labelConfidence ? { labelConfidence: clip.labelConfidence } : {}),
      seed: opts.seed,
      durationS: outputDuration(clip, recipe),
      ...rest,
    },
  }));
}

/** Own speech a partial swap leaves around its span: otherwise it is a full swap in all but name. */
const OWN_SPEECH_KEPT_S = 1;

/** 2–4 s of another speaker's speech inside this clip's speech (shortened to fit, never under 2 s). */
function planPartialSwap(
  clip: SourceClip,
  r: Rng,
  pickDonor: (length: number) => SourceClip | null,
): Draft | null {
  const room = clip.speech.end - clip.speech.start - 0.5 - OWN_SPEECH_KEPT_S;
  const length = Math.min(2 + 2 * r.next(), room);
  if (length < 2) return null;
  const span = placeSpan(r, length, clip.speech.start + 0.25, clip.speech.end - 0.25, ms);
  const d = pickDonor(length);
  if (!span || !d) return null;
  const donorStart = ms(d.speech.start + r.next() * (d.speech.end - d.speech.start - length));
  return {
    expected: 'fake',
    span,
    donor: d.file,
    donorSpeaker: d.speaker,
    recipe: { kind: 'partial-swap', span, donor: d, donorStart, donorGainDb: clip.meanDb - d.meanDb },
  };
}

export function outputName(source: string, label: string): string {
  return `${source.replace(/\.[^.]+$/, '')}.${label}.mp4`;
}

/**
 * The output's length as ffmpeg makes it: at 25 fps the picture is whole frames (a clip
 * of 4.624 s has 116 frames, 4.64 s) and the sound the clip's length; two speakers are
 * two such parts in a row. The 15-fps re-encode's file ends with its sound (measured).
 */
export function outputDuration(clip: SourceClip, recipe: Recipe): number {
  if (recipe.kind === 'reencode') return ms(clip.durationS);
  return ms(
    recipe.kind === 'two-speakers' || recipe.kind === 'turn-swap' || recipe.kind === 'turn-shift'
      ? framesOf(clip.durationS) + framesOf(recipe.donorDurationS)
      : framesOf(clip.durationS),
  );
}

/** A part of `d` seconds as whole 25-fps frames (never shorter than its sound). */
function framesOf(d: number): number {
  return Math.max(d, Math.ceil(d * 25 - 1e-6) / 25);
}
