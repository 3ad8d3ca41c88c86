// The audio variants evaluation judges each real clip with, made in node from the feature
// cache (the picture stays the clip's own): its own audio, 3 swaps from other speakers,
// shifts of ±1…±12 frames, its own speech with music under it, music alone, and a 2–4 s
// stretch of another speaker's speech inside its own (a partial swap). Each comes with
// what a correct decision says. Conditions that change the picture (cutaways, listeners,
// two speakers, re-encodes) are built with ffmpeg and run through the engine instead
// (`npm run eval -- <dir> --conditions`).
import { cropAudio, speechSpan } from '../../src/core/train/evidence';
import { shiftAudio } from '../../src/core/train/clip-score';
import { Rng } from '../../src/core/train/rng';
import type { Verdict } from '../../src/core/state';
import type { EvalClip } from './eval-folds';

export type VariantKind =
  'real' | 'swap' | 'shift' | 'far-shift' | 'under-music' | 'music-only' | 'partial-swap';

export interface AudioTrack {
  startS: number;
  samples: Int16Array;
}

export interface Variant {
  kind: VariantKind;
  audio: AudioTrack;
  /** Media-time range scored. */
  range: { fromS: number; toS: number };
  /** What a correct decision says; `accept` lists other acceptable verdicts (never fake for genuine ones). */
  expected: Verdict;
  accept: Verdict[];
  shiftFrames?: number;
  donor?: string;
  /** Partial swap: the replaced stretch in media time. */
  span?: { start: number; end: number };
}

export const SHIFTS = [
  -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
];
/**
 * Sound 0.8 and 1.2 s out of step, past syncnet_python's ±15-frame search: genuine, never
 * FAKE; shifted when the far search (src/core/decision/far-offset.ts) finds it, else can't
 * judge. Not in the calibration's fit (clipLabel): within ±15 they look like another voice.
 */
export const FAR_SHIFTS = [-30, -20, 20, 30];
export const SWAPS_PER_CLIP = 3;
/** Music laid under speech this far below the speech's level (dB). */
export const MUSIC_UNDER_DB = -10;

/** Expected outcome of a clip shifted by k frames (ITU-R BT.1359 acceptability: 90 ms early, 185 ms late). */
export function shiftExpectation(k: number): Verdict {
  const ms = 40 * k;
  return ms > 90 || -ms > 185 ? 'shifted' : 'real';
}

function videoSpan(clip: EvalClip): { fromS: number; toS: number } {
  const first = clip.features.frames[0]?.t ?? 0;
  const last = clip.features.frames.at(-1)?.t ?? 0;
  return { fromS: first, toS: last + 1 / (clip.features.fps || 25) };
}

/** The clip's speech span inside its video, or null when nothing is heard. */
export function scoringRange(clip: EvalClip): { fromS: number; toS: number } | null {
  if (!clip.features.audio || clip.samples.length === 0) return null;
  const speech = speechSpan(clip.samples, clip.features.audio.startS);
  if (!speech) return null;
  const video = videoSpan(clip);
  const fromS = Math.max(speech.startS, video.fromS);
  const toS = Math.min(speech.endS, video.toS);
  return toS > fromS ? { fromS, toS } : null;
}

/** `source` repeated from its start until it covers `seconds`, placed at `startS`. */
function looped(source: Int16Array, startS: number, seconds: number): AudioTrack {
  const out = new Int16Array(Math.max(1, Math.ceil(seconds * 16000)));
  for (let at = 0; at < out.length; at += source.length)
    out.set(source.subarray(0, Math.min(source.length, out.length - at)), at);
  return { startS, samples: out };
}

/** A donor's speech placed where the target's range starts and repeated to cover it. */
function donorSpeech(donor: EvalClip, range: { fromS: number; toS: number }): AudioTrack | null {
  if (!donor.features.audio) return null;
  const span = speechSpan(donor.samples, donor.features.audio.startS);
  if (!span) return null;
  const speech = cropAudio(donor.samples, donor.features.audio.startS, span.startS, span.endS).samples;
  return speech.length > 0 ? looped(speech, range.fromS, range.toS - range.fromS) : null;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** `a` + `b` scaled to `relativeDb` below a's level, clipped to int16. */
function mixUnder(a: AudioTrack, b: Int16Array, relativeDb: number): AudioTrack {
  const gain = (rms(a.samples) / Math.max(1, rms(b))) * 10 ** (relativeDb / 20);
  const out = new Int16Array(a.samples.length);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(a.samples[i] + gain * b[i % b.length])));
  return { startS: a.startS, samples: out };
}

/** A music track as loud as the clip's speech, covering the clip's video. */
function musicAlone(clip: EvalClip, music: Int16Array, own: AudioTrack): AudioTrack {
  const video = videoSpan(clip);
  const track = looped(music, video.fromS, video.toS - video.fromS);
  const gain = rms(own.samples) / Math.max(1, rms(track.samples));
  return {
    startS: track.startS,
    samples: track.samples.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain)))),
  };
}

/** Own audio with [start, end) replaced by a donor's speech. */
function partialSwap(own: AudioTrack, donor: AudioTrack, start: number, end: number): AudioTrack {
  const out = Int16Array.from(own.samples);
  const from = Math.round((start - own.startS) * 16000);
  const to = Math.round((end - own.startS) * 16000);
  for (let i = Math.max(0, from); i < Math.min(out.length, to); i++)
    out[i] = donor.samples[(i - from) % donor.samples.length];
  return { startS: own.startS, samples: out };
}

export interface VariantSources {
  donors: EvalClip[];
  /** Music tracks (16 kHz int16) with their names. */
  music: { name: string; samples: Int16Array }[];
  seed: number;
}

/** Every variant of one real clip (seeded per clip, so adding a clip does not change the others). */
export function variantsOf(clip: EvalClip, sources: VariantSources): Variant[] {
  const range = scoringRange(clip);
  if (!range || !clip.features.audio) return [];
  const own: AudioTrack = { startS: clip.features.audio.startS, samples: clip.samples };
  const genuine = (kind: VariantKind, audio: AudioTrack, extra: Partial<Variant> = {}): Variant => ({
    kind,
    audio,
    range,
    expected: 'real',
    accept: ['real', 'cannot-judge'],
    ...extra,
  });
  const out: Variant[] = [genuine('real', own)];
  const rng = new Rng(sources.seed).fork(`variants:${clip.file}`);
  const donors = rng.shuffle(sources.donors.filter((d) => d.speaker !== clip.speaker));
  for (const donor of donors.slice(0, SWAPS_PER_CLIP)) {
    const audio = donorSpeech(donor, range);
    if (audio)
      out.push({ kind: 'swap', audio, range, expected: 'fake', accept: ['fake'], donor: donor.file });
  }
  for (const k of SHIFTS) {
    const expected = shiftExpectation(k);
    out.push({
      kind: 'shift',
      audio: shiftAudio(own, k),
      range,
      expected,
      accept: [
        expected,
        ...(expected === 'shifted' ? (['fake'] as Verdict[]) : (['cannot-judge'] as Verdict[])),
      ],
      shiftFrames: k,
    });
  }
  for (const k of FAR_SHIFTS) {
    out.push({
      kind: 'far-shift',
      audio: shiftAudio(own, k),
      range,
      expected: 'shifted',
      accept: ['shifted', 'cannot-judge'],
      shiftFrames: k,
    });
  }
  if (sources.music.length > 0) {
    const music = sources.music[rng.int(sources.music.length)];
    const offset = rng.int(Math.max(1, music.samples.length - 16000 * 12));
    const piece = music.samples.subarray(offset);
    out.push(genuine('under-music', mixUnder(own, piece, MUSIC_UNDER_DB), { donor: music.name }));
    const videoRange = videoSpan(clip);
    out.push({
      kind: 'music-only',
      audio: musicAlone(clip, piece, own),
      range: videoRange,
      expected: 'cannot-judge',
      accept: ['cannot-judge'],
      donor: music.name,
    });
  }
  const length = 2 + 2 * rng.next();
  if (range.toS - range.fromS >= length + 3 && donors.length > SWAPS_PER_CLIP) {
    const donor = donors[SWAPS_PER_CLIP];
    const start = range.fromS + 1 + rng.next() * (range.toS - range.fromS - length - 2);
    const speech = donorSpeech(donor, { fromS: start, toS: start + length });
    if (speech) {
      out.push({
        kind: 'partial-swap',
        audio: partialSwap(own, speech, start, start + length),
        range,
        expected: 'fake',
        accept: ['fake'],
        donor: donor.file,
        span: { start, end: start + length },
      });
    }
  }
  return out;
}
