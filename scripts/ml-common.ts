// Node side shared by `npm run train`, `npm run eval` and `npm run finetune`: reading the
// feature cache (`npm run features` output), MANIFEST.tsv, weights bundles, argument
// parsing and the TF.js backend. Everything numeric lives in src/core/train.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { withShots, type ClipFeatures } from '../src/core/features';
import type { SyncModelKind } from '../src/core/models/types';
import type { TrainingClip } from '../src/core/train/embedded-training';
import { parseManifest, type WeightsBundle } from '../src/core/convert/weights-bundle';

export interface ManifestRow {
  file: string;
  status: string;
  /** Confidence in the status label: high / medium / low. */
  confidence: string;
  speaker: string;
  sourceRepo: string;
  path: string;
  commit: string;
  licence: string;
  origin: string;
  durationS: number;
  notes: string;
}

/** Parses MANIFEST.tsv (header row names the columns; the ones used here must exist). */
export function readManifest(path: string): Map<string, ManifestRow> {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines[0].split('\t');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${path}: no column "${name}"`);
    return i;
  };
  const optional = (name: string) => header.indexOf(name);
  const [file, status, confidence, speaker] = ['file', 'status', 'confidence', 'speaker_id'].map(col);
  const [repo, p, commit, licence, origin, duration, notes] = [
    'source_repo',
    'path',
    'commit',
    'repo_license',
    'media_origin',
    'duration_s',
    'notes',
  ].map(optional);
  const rows = new Map<string, ManifestRow>();
  for (const line of lines.slice(1)) {
    const c = line.split('\t');
    const at = (i: number) => (i >= 0 ? (c[i] ?? '') : '');
    rows.set(c[file], {
      file: c[file],
      status: c[status],
      confidence: c[confidence],
      speaker: c[speaker],
      sourceRepo: at(repo),
      path: at(p),
      commit: at(commit),
      licence: at(licence),
      origin: at(origin),
      durationS: Number(at(duration)) || 0,
      notes: at(notes),
    });
  }
  return rows;
}

/** MANIFEST.tsv in the clips folder or its parent (../shared/media/MANIFEST.tsv for ../shared/media/clips). */
export function findManifest(clipsDir: string): string | null {
  for (const candidate of [
    join(clipsDir, 'MANIFEST.tsv'),
    join(dirname(resolve(clipsDir)), 'MANIFEST.tsv'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The feature cache for a clips folder: `--cache` if given; the folder itself when it
 * holds *.features.json; else .cache/features/<folder name> (npm run features' default).
 */
export function resolveCache(clipsDir: string, cacheOption?: string): string {
  if (cacheOption) return resolve(cacheOption);
  if (existsSync(clipsDir) && readdirSync(clipsDir).some((f) => f.endsWith('.features.json')))
    return resolve(clipsDir);
  return resolve('.cache/features', basename(resolve(clipsDir)));
}

/** Clip file names that have cached features. */
export function cachedClips(cacheDir: string): string[] {
  if (!existsSync(cacheDir)) {
    throw new Error(
      `${cacheDir}: no feature cache — run \`npm run features -- <clips folder>\` first (it needs the browser engine)`,
    );
  }
  return readdirSync(cacheDir)
    .filter((f) => f.endsWith('.features.json'))
    .map((f) => f.slice(0, -'.features.json'.length))
    .sort();
}

export interface LoadedClip {
  features: ClipFeatures;
  /** int16 mono 16 kHz (empty when the clip has no audio). */
  samples: Int16Array;
}

export function loadClip(cacheDir: string, file: string): LoadedClip {
  const jsonPath = join(cacheDir, `${file}.features.json`);
  const parsed = JSON.parse(readFileSync(jsonPath, 'utf8')) as ClipFeatures;
  if (!Array.isArray(parsed.frames)) throw new Error(`${jsonPath}: not a ClipFeatures file (no frames)`);
  // Caches made before shot detection have no `shot` per frame: shot 0 throughout.
  const features = withShots(parsed);
  let samples = new Int16Array(0);
  if (features.audio) {
    const pcmPath = join(cacheDir, `${file}.pcm`);
    const bytes = readFileSync(pcmPath);
    if (bytes.length % 2 !== 0) throw new Error(`${pcmPath}: odd byte count, not int16 PCM`);
    samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    if (features.audio.samples !== samples.length) {
      throw new Error(`${pcmPath}: ${samples.length} samples, features.json says ${features.audio.samples}`);
    }
  }
  return { features, samples };
}

/** TF.js for training in node: the wasm backend single-threaded (deterministic), cpu as fallback. */
export async function setupTf(preferred: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  try {
    await tf.setBackend(preferred);
    await tf.ready();
  } catch {
    await tf.setBackend('cpu');
    await tf.ready();
  }
  return tf.getBackend();
}

export function readBundle(dir: string): WeightsBundle & { json: Record<string, unknown> } {
  const manifestPath = join(dir, 'manifest.json');
  const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const manifest = parseManifest(json, manifestPath);
  return { manifest, data: new Uint8Array(readFileSync(join(dir, 'weights.bin'))), json };
}

/** Writes manifest.json (plus any extra top-level fields, e.g. the threshold) and weights.bin. */
export function writeBundle(dir: string, bundle: WeightsBundle, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...bundle.manifest, ...extra }, null, 2) + '\n');
  writeFileSync(join(dir, 'weights.bin'), bundle.data);
}

/** `--name value` and `--flag` options after positional arguments. */
export function parseArgs(
  argv: string[],
  flags: readonly string[] = [],
): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      if (flags.includes(name)) options.set(name, 'true');
      else if (inline !== undefined) options.set(name, inline);
      else {
        const value = argv[++i];
        if (value === undefined) throw new Error(`option --${name} needs a value`);
        options.set(name, value);
      }
    } else positional.push(a);
  }
  return { positional, options };
}

const SYNC_MODEL_KINDS: readonly SyncModelKind[] = ['embedded', 'syncnet-v2', 'syncnet-v4'];

/** The `--model` option of eval / finetune (default the embedded model), checked. */
export function modelOption(options: Map<string, string>): SyncModelKind {
  const model = options.get('model') ?? 'embedded';
  if (!(SYNC_MODEL_KINDS as readonly string[]).includes(model))
    throw new Error(`unknown --model ${model} (one of ${SYNC_MODEL_KINDS.join(', ')})`);
  return model as SyncModelKind;
}

export const seconds = (startMs: number): string => `${((Date.now() - startMs) / 1000).toFixed(1)} s`;

/**
 * Statuses whose sound and lips belong together: real recordings, and generated talking
 * heads and lip-sync outputs, whose lips the generator drew from that very sound. Face
 * swaps are left out (their mouths are the swap model's, not checked here).
 */
const IN_SYNC_STATUSES = new Set(['real-in-sync', 'generated-talkinghead', 'generated-lipsync']);

/** Which clips train the model: in sync by provenance, label confidence not low (those may be mimed or dubbed). */
export function isTrainingClip(row: ManifestRow | undefined, includeLow = false): boolean {
  if (!row) return true; // a folder without a manifest: the user says its clips are real
  return IN_SYNC_STATUSES.has(row.status) && (includeLow || row.confidence !== 'low');
}

/** A clip's speaker for folds and training groups; a manifest's "-" (unknown) is the clip's own. */
export function speakerOf(file: string, row: ManifestRow | undefined): string {
  return row?.speaker && row.speaker !== '-' ? row.speaker : file;
}

export function loadTrainingClips(
  cacheDir: string,
  manifest: Map<string, ManifestRow> | null,
  filter: (file: string, row: ManifestRow | undefined) => boolean,
): (TrainingClip & { row?: ManifestRow })[] {
  return cachedClips(cacheDir)
    .filter((file) => filter(file, manifest?.get(file)))
    .map((file) => {
      const { features, samples } = loadClip(cacheDir, file);
      const row = manifest?.get(file);
      return { id: file, group: speakerOf(file, row), features, samples, row };
    })
    .filter(
      (c) => c.features.audio && c.samples.length > 0 && c.features.frames.some((f) => f.faces.length > 0),
    );
}
