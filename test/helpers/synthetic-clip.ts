// Synthetic talking faces for the training / evaluation tests, in the feature-cache format
// `npm run features` writes (ClipFeatures + 16 kHz int16 PCM): a voice whose syllables open
// the mouth, so the mouth opening follows the audio envelope with a known lag.
//
// Audio: syllables of 90–260 ms with a raised-cosine envelope, separated by gaps and the
// odd pause; a harmonic voice (speaker-dependent pitch) shaped by two formants — F1 rises
// with how open the syllable's vowel is, F2 falls with lip rounding — plus a short noise
// burst at each onset (a consonant). Video: 3-D lip rings (40 points in KEPT_LANDMARKS
// order) whose inner opening, outer opening and width follow the same syllables `lagFrames`
// later (lag > 0: the audio leads, so SyncNet's offset is +lag), with speaker-dependent lip
// shape, a slowly turning and moving head, landmark noise, and matching blendshapes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BLENDSHAPE_NAMES,
  KEPT_LANDMARKS,
  type ClipFeatures,
  type FaceObservation,
  type FrameObservation,
} from '../../src/core/features';
import { Rng } from '../../src/core/train/rng';

export interface SyntheticClipOptions {
  seed: number;
  seconds: number;
  /** Video frame rate (default 25). */
  fps?: number;
  /** Frames the mouth lags the sound (default 0): SyncNet offset = +lagFrames. */
  lagFrames?: number;
  /** Speaker number: changes pitch, lip thickness and mouth width. */
  speaker?: number;
  /** Face box width in pixels (default 200). */
  faceWidth?: number;
  /** Landmark noise as a fraction of the inter-ocular distance (default 0.01). */
  noise?: number;
  /** Seconds of silence before the first syllable (default 0.3). */
  leadingSilenceS?: number;
  /** No face in any frame. */
  faceless?: boolean;
  /** Digital silence instead of a voice. */
  silent?: boolean;
  file?: string;
}

export interface SyntheticClip {
  features: ClipFeatures;
  samples: Int16Array;
  speaker: string;
}

interface Syllable {
  start: number;
  duration: number;
  amplitude: number;
  /** 0 = closed vowel, 1 = wide open. */
  openness: number;
  /** 0 = spread, 1 = rounded. */
  rounding: number;
}

function syllables(rng: Rng, seconds: number, lead: number): Syllable[] {
  const out: Syllable[] = [];
  let t = lead;
  while (t < seconds - 0.3) {
    const duration = 0.09 + 0.17 * rng.next();
    out.push({
      start: t,
      duration,
      amplitude: 0.45 + 0.55 * rng.next(),
      openness: rng.next(),
      rounding: rng.next(),
    });
    t += duration + (rng.next() < 0.12 ? 0.3 + 0.3 * rng.next() : 0.03 + 0.12 * rng.next());
  }
  return out;
}

/** Envelope value (0–1) and the syllable's vowel at time t. */
function envelopeAt(list: Syllable[], t: number): { e: number; syl: Syllable | null } {
  for (const s of list) {
    if (t >= s.start && t < s.start + s.duration) {
      const x = (t - s.start) / s.duration;
      return { e: s.amplitude * 0.5 * (1 - Math.cos(2 * Math.PI * x)), syl: s };
    }
  }
  return { e: 0, syl: null };
}

function voice(list: Syllable[], seconds: number, speaker: number, rng: Rng): Int16Array {
  const rate = 16000;
  const out = new Int16Array(Math.round(seconds * rate));
  const baseF0 = 100 + 25 * (speaker % 5) + 8 * Math.floor(speaker / 5);
  let phase = 0;
  for (let n = 0; n < out.length; n++) {
    const t = n / rate;
    const { e, syl } = envelopeAt(list, t);
    const f0 = baseF0 * (1 + 0.08 * Math.sin(2 * Math.PI * 0.6 * t + speaker));
    phase += (2 * Math.PI * f0) / rate;
    let v = 0;
    if (syl) {
      const f1 = 300 + 500 * syl.openness;
      const f2 = 2200 - 1200 * syl.rounding;
      for (let h = 1; h * f0 < 4000; h++) {
        const f = h * f0;
        const a =
          Math.exp(-((f - f1) ** 2) / (2 * 180 ** 2)) +
          0.6 * Math.exp(-((f - f2) ** 2) / (2 * 250 ** 2)) +
          0.05;
        v += a * Math.sin(h * phase);
      }
      if (t - syl.start < 0.02) v += 2 * (rng.next() - 0.5);
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(4000 * e * v + 30 * (rng.next() - 0.5))));
  }
  return out;
}

/** Landmarks of one frame in face units (inter-ocular distance 1), KEPT_LANDMARKS order. */
function faceShape(opening: number, rounding: number, speaker: number): number[][] {
  const thickness = 0.07 + 0.012 * (speaker % 4);
  const halfWidth = (0.27 + 0.015 * (speaker % 3)) * (1 - 0.25 * rounding) * (1 - 0.1 * opening);
  const mouthY = 0.62;
  const lowerDrop = 0.22 * opening;
  const upperRise = 0.05 * opening;
  const ring = (count: number, sign: 1 | -1, depth: number, hw: number, from: number): number[][] =>
    Array.from({ length: count }, (_, j) => {
      const theta = (Math.PI * (j + from)) / 10;
      return [-Math.cos(theta) * hw, mouthY + sign * Math.sin(theta) * depth, -0.05 - 0.03 * Math.sin(theta)];
    });
  const points = [
    ...ring(11, 1, lowerDrop + thickness, halfWidth, 0), // outer lower, corner to corner
    ...ring(9, -1, upperRise + thickness, halfWidth, 1), // outer upper, left to right
    ...ring(11, 1, lowerDrop, halfWidth * 0.85, 0), // inner lower
    ...ring(9, -1, upperRise, halfWidth * 0.85, 1), // inner upper
  ];
  const reference: number[][] = [
    [-0.5, -0.35, 0],
    [0.5, -0.35, 0], // eye outer corners 33, 263
    [-0.2, -0.35, 0],
    [0.2, -0.35, 0], // eye inner corners
    [0, 0.2, -0.3], // nose tip
    [0, 1.05 + 0.6 * lowerDrop, 0], // chin
    [0, -0.95, 0], // forehead
    [-0.8, 0.1, 0.35],
    [0.8, 0.1, 0.35], // face sides
  ];
  return [...points, ...reference];
}

function rotate(p: number[], yaw: number, pitch: number, roll: number): number[] {
  let [x, y, z] = p;
  [x, z] = [x * Math.cos(yaw) + z * Math.sin(yaw), -x * Math.sin(yaw) + z * Math.cos(yaw)];
  [y, z] = [y * Math.cos(pitch) - z * Math.sin(pitch), y * Math.sin(pitch) + z * Math.cos(pitch)];
  [x, y] = [x * Math.cos(roll) - y * Math.sin(roll), x * Math.sin(roll) + y * Math.cos(roll)];
  return [x, y, z];
}

export function syntheticClip(options: SyntheticClipOptions): SyntheticClip {
  const { seed, seconds } = options;
  const fps = options.fps ?? 25;
  const lagS = (options.lagFrames ?? 0) / 25;
  const speaker = options.speaker ?? 0;
  const faceWidth = options.faceWidth ?? 200;
  const noise = options.noise ?? 0.01;
  const rng = new Rng(seed);
  const list = syllables(rng.fork('syllables'), seconds, options.leadingSilenceS ?? 0.3);
  const samples = options.silent
    ? new Int16Array(Math.round(seconds * 16000))
    : voice(list, seconds, speaker, rng.fork('voice'));
  const iodPx = faceWidth * 0.4;
  const motion = rng.fork('motion');
  const [cx0, cy0] = [320 + 40 * motion.next(), 240 + 30 * motion.next()];
  const landmarkNoise = rng.fork('noise');
  const bsIndex = (name: (typeof BLENDSHAPE_NAMES)[number]) => BLENDSHAPE_NAMES.indexOf(name);

  const frames: FrameObservation[] = [];
  const frameCount = Math.floor(seconds * fps);
  for (let n = 0; n < frameCount; n++) {
    const t = n / fps;
    const faces: FaceObservation[] = [];
    if (!options.faceless) {
      const { e, syl } = envelopeAt(list, t - lagS);
      const opening = Math.min(1, e * (0.35 + 0.65 * (syl?.openness ?? 0)) * 1.4);
      const rounding = syl ? syl.rounding * Math.min(1, 3 * e) : 0;
      const yaw = 0.25 * Math.sin(0.3 * t + speaker);
      const pitch = 0.1 * Math.sin(0.21 * t);
      const roll = 0.08 * Math.sin(0.17 * t + 1);
      const cx = cx0 + 20 * Math.sin(0.4 * t);
      const cy = cy0 + 10 * Math.sin(0.33 * t);
      const landmarks: number[] = [];
      for (const p of faceShape(opening, rounding, speaker)) {
        const r = rotate(p, yaw, pitch, roll);
        landmarks.push(
          cx + iodPx * (r[0] + noise * landmarkNoise.normal()),
          cy + iodPx * (r[1] + noise * landmarkNoise.normal()),
          iodPx * (r[2] + noise * landmarkNoise.normal()),
        );
      }
      const blendshapes = new Array<number>(BLENDSHAPE_NAMES.length)
        .fill(0)
        .map(() => 0.02 * landmarkNoise.next());
      const clamp = (v: number) => Math.max(0, Math.min(1, v));
      blendshapes[bsIndex('jawOpen')] = clamp(0.75 * opening + 0.03 * landmarkNoise.normal());
      blendshapes[bsIndex('mouthClose')] = clamp(0.2 * (1 - opening) - 0.1 + 0.02 * landmarkNoise.normal());
      blendshapes[bsIndex('mouthFunnel')] = clamp(0.5 * rounding * opening + 0.02 * landmarkNoise.normal());
      blendshapes[bsIndex('mouthPucker')] = clamp(
        0.6 * rounding * (1 - opening) + 0.02 * landmarkNoise.normal(),
      );
      blendshapes[bsIndex('mouthLowerDownLeft')] = blendshapes[bsIndex('mouthLowerDownRight')] = clamp(
        0.5 * opening,
      );
      const xs = landmarks.filter((_, i) => i % 3 === 0);
      const ys = landmarks.filter((_, i) => i % 3 === 1);
      const box: [number, number, number, number] = [
        Math.min(...xs),
        Math.min(...ys),
        Math.max(...xs) - Math.min(...xs),
        Math.max(...ys) - Math.min(...ys),
      ];
      faces.push({
        trackId: 1,
        box,
        landmarks,
        blendshapes,
        pose: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -50, 1],
      });
    }
    frames.push({ t, segment: 0, shot: 0, faces });
  }
  if (
    KEPT_LANDMARKS.length * 3 !==
    (frames.find((f) => f.faces.length)?.faces[0].landmarks.length ?? KEPT_LANDMARKS.length * 3)
  ) {
    throw new Error('synthetic landmarks do not follow KEPT_LANDMARKS');
  }
  const file = options.file ?? `synthetic_${seed}.mp4`;
  return {
    features: {
      file,
      durationS: seconds,
      width: 640,
      height: 480,
      fps,
      frames,
      audio: { sampleRate: 16000, startS: 0, samples: samples.length },
    },
    samples,
    speaker: `synth-${speaker}`,
  };
}

/**
 * Writes clips as a feature cache (`<file>.features.json` + `<file>.pcm`) and a
 * MANIFEST.tsv beside it (status, speaker_id and the other columns the scripts read).
 */
export function writeSyntheticCache(
  dir: string,
  clips: readonly (SyntheticClip & { status?: string; confidence?: string })[],
): void {
  mkdirSync(dir, { recursive: true });
  const header = [
    'file',
    'status',
    'confidence',
    'speaker_id',
    'source_repo',
    'path',
    'commit',
    'blob_sha',
    'repo_license',
    'media_origin',
    'duration_s',
  ];
  const rows = [header.join('\t')];
  for (const clip of clips) {
    writeFileSync(join(dir, `${clip.features.file}.features.json`), JSON.stringify(clip.features));
    writeFileSync(
      join(dir, `${clip.features.file}.pcm`),
      Buffer.from(clip.samples.buffer, clip.samples.byteOffset, clip.samples.byteLength),
    );
    rows.push(
      [
        clip.features.file,
        clip.status ?? 'real-in-sync',
        clip.confidence ?? 'high',
        clip.speaker,
        'synthetic',
        '-',
        '-',
        '-',
        'MIT',
        'synthetic',
        clip.features.durationS.toFixed(2),
      ].join('\t'),
    );
  }
  writeFileSync(join(dir, 'MANIFEST.tsv'), rows.join('\n') + '\n');
}
