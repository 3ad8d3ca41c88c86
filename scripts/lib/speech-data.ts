// Labelled audio for the speech detector (scripts/train-speech.ts): the shared real clips
// (speech), the shared music, synthetic noise, applause, silence and room tone, and mixes
// of speech over music. Speakers (MANIFEST.tsv speaker_id) and music tracks are split into
// train and test, so test figures are on voices and music the model never saw.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameLevelsDb, speechRows } from '../../src/core/train/evidence';
import { Rng } from '../../src/core/train/rng';
import { rowCount } from '../../src/core/audio/speech-features';
import {
  applause,
  atLevel,
  brownNoise,
  chordSequence,
  decodePcm,
  levelDb,
  mixUnder,
  pinkNoise,
  RATE,
  roomTone,
  toInt16,
  whiteNoise,
} from './sounds';

export type Condition =
  | 'clean speech'
  | 'speech under music'
  | 'music only'
  | 'chords (synthetic)'
  | 'noise'
  | 'applause'
  | 'silence / room tone';
export type Split = 'train' | 'test';

export interface Item {
  readonly split: Split;
  readonly condition: Condition;
  readonly name: string;
  readonly samples: Int16Array;
  /** Per row: 1 where the clean speech is active (evidence.ts speechRows), else 0. */
  readonly labels: Uint8Array;
}

/** Music under speech in the test set, relative to the speech's active level. */
export const TEST_MUSIC_REL_DB = -10;

interface Sources {
  readonly speech: { split: Split; name: string; samples: Int16Array }[];
  readonly music: { split: Split; name: string; samples: Int16Array }[];
}

function shuffled<T>(values: readonly T[], rng: Rng): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Real clips split by speaker (~1/3 of speakers held out) and music split by track (3 held out). */
function loadSources(mediaDir: string, seed: number): Sources {
  const manifest = join(mediaDir, 'MANIFEST.tsv');
  if (!existsSync(manifest))
    throw new Error(`no ${manifest}: the speech detector trains on the shared media`);
  const lines = readFileSync(manifest, 'utf8').trim().split('\n');
  const header = lines[0].split('\t');
  const col = (name: string) => header.indexOf(name);
  const real = lines
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((f) => f[col('status')] === 'real-in-sync');
  const speakers = [...new Set(real.map((f) => f[col('speaker_id')]))].sort();
  const testSpeakers = new Set(shuffled(speakers, new Rng(seed)).slice(0, Math.round(speakers.length / 3)));
  const speech = real.map((f) => ({
    split: (testSpeakers.has(f[col('speaker_id')]) ? 'test' : 'train') as Split,
    name: f[col('file')],
    samples: decodePcm(join(mediaDir, 'clips', f[col('file')])),
  }));
  const musicDir = join(mediaDir, 'music');
  const tracks = readdirSync(musicDir)
    .filter((n) => n.endsWith('.ogg'))
    .sort();
  if (tracks.length < 4)
    throw new Error(`${musicDir} holds ${tracks.length} .ogg tracks; the split needs at least 4`);
  const testTracks = new Set(shuffled(tracks, new Rng(seed + 1)).slice(0, 3));
  const music = tracks.map((name) => ({
    split: (testTracks.has(name) ? 'test' : 'train') as Split,
    name,
    samples: decodePcm(join(musicDir, name)),
  }));
  return { speech, music };
}

const zeros = (samples: Int16Array) => new Uint8Array(rowCount(samples.length));

/** Level (dBFS) of the rows labelled speech. */
function activeLevelDb(samples: Int16Array, labels: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let r = 0; r < labels.length; r++) {
    if (!labels[r]) continue;
    for (let i = r * 160; i < Math.min(samples.length, r * 160 + 160); i++) sum += samples[i] * samples[i];
    count += 160;
  }
  return 10 * Math.log10(sum / Math.max(1, count) / 32768 ** 2);
}

/** Synthetic non-speech items of one split; `test` uses fixed levels, `train` random ones. */
function synthetic(split: Split, rng: Rng): Item[] {
  const items: Item[] = [];
  const add = (condition: Condition, name: string, x: Float64Array | Int16Array) => {
    const samples = x instanceof Int16Array ? x : toInt16(x);
    items.push({ split, condition, name, samples, labels: zeros(samples) });
  };
  const n = 10 * RATE;
  const level = (fixed: number) => (split === 'test' ? fixed : -55 + 45 * rng.next());
  const noises = { white: whiteNoise, pink: pinkNoise, brown: brownNoise };
  for (const db of [-50, -35, -20]) {
    for (const [kind, make] of Object.entries(noises))
      add('noise', `${kind} ${level(db).toFixed(0)} dBFS`, atLevel(make(rng, n), level(db)));
  }
  for (const [db, rate] of [
    [-35, 30],
    [-25, 80],
    [-15, 200],
  ]) {
    const r = split === 'test' ? rate : 20 + rng.int(250);
    add('applause', `${r}/s ${level(db).toFixed(0)} dBFS`, atLevel(applause(rng, n, r), level(db)));
  }
  for (const db of [-30, -20])
    add('chords (synthetic)', `${level(db).toFixed(0)} dBFS`, atLevel(chordSequence(rng, n), level(db)));
  add('silence / room tone', 'digital silence', new Int16Array(n / 2));
  for (const db of [-65, -55]) {
    const d = split === 'test' ? db : -70 + 20 * rng.next();
    add('silence / room tone', `room tone ${d.toFixed(0)} dBFS`, atLevel(roomTone(rng, n), d));
  }
  return items;
}

/** Every labelled item, both splits. */
export function buildItems(mediaDir: string, seed: number): Item[] {
  const { speech, music } = loadSources(mediaDir, seed);
  const rng = new Rng(seed + 2);
  const items: Item[] = [];
  for (const split of ['train', 'test'] as const) {
    const tracks = music.filter((m) => m.split === split);
    speech
      .filter((s) => s.split === split)
      .forEach((s, i) => {
        const labels = speechRows(frameLevelsDb(s.samples));
        items.push({ split, condition: 'clean speech', name: s.name, samples: s.samples, labels });
        const speechDb = activeLevelDb(s.samples, labels);
        // Train: three beds at −3…−20 dB; test: one at TEST_MUSIC_REL_DB, tracks in turn.
        const mixes =
          split === 'test'
            ? [{ track: tracks[i % tracks.length], rel: TEST_MUSIC_REL_DB }]
            : [0, 1, 2].map(() => ({ track: tracks[rng.int(tracks.length)], rel: -3 - 17 * rng.next() }));
        for (const { track, rel } of mixes) {
          const offset = rng.int(Math.max(1, track.samples.length - s.samples.length));
          const bed = track.samples.subarray(offset);
          items.push({
            split,
            condition: 'speech under music',
            name: `${s.name} + ${track.name} ${rel.toFixed(0)} dB`,
            samples: mixUnder(s.samples, bed, speechDb, rel),
            labels,
          });
        }
      });
    for (const track of tracks) {
      const levels = split === 'test' ? [-40, -30, -20, -12] : [0, 1, 2].map(() => -50 + 42 * rng.next());
      for (const db of levels) {
        const samples = toInt16(atLevel(Float64Array.from(track.samples), db));
        items.push({
          split,
          condition: 'music only',
          name: `${track.name} ${db.toFixed(0)} dBFS (${levelDb(samples).toFixed(0)})`,
          samples,
          labels: zeros(samples),
        });
      }
    }
    items.push(...synthetic(split, rng));
  }
  return items;
}
