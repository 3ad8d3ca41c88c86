// Per-clip caches of lip-window vectors for the models whose lip input is pixels
// (SyncNet v2: 224×224 face crops, v4: 112×112 mouth crops). Node has no video decoder or
// canvas here, so the browser engine — which sees the frames — writes them:
// `npm run features -- <dir> --model syncnet-v2|syncnet-v4 --weights <checkpoint or
// converted folder> [--stage embedding|pre-fc|both]` runs, in the same headless-Chromium
// pass that extracts the clip's features, the engine's lip sampler per face track and the
// model's lip stream on every window (src/engine/window-cache-writer.ts), keeping the lip
// embeddings (stage 'embedding', for `npm run eval --model syncnet-v2|v4`) or the pre-fc
// conv activations (stage 'pre-fc', for `npm run finetune`; the input of syncnet-head.ts).
// Node then pairs them with audio it computes itself (shifted, swapped) on the same
// 25-fps grid the feature cache gives.
//
// Files, beside `<clip>.features.json` in the feature cache:
//   <clip>.<model>.<stage>.json   WindowCacheManifest (below)
//   <clip>.<model>.<stage>.bin    float32 little-endian, windows × dim, row-major
// A window is identified by (segment, gridStart): grid segment index and first grid slot
// as resampleToGrid / windowsForSegment number them from the clip's frame times (clipGrid),
// and `segments` records each segment's start time and slot count so a mismatch between the
// engine's grid and the feature cache's is detected, not silently misaligned. Every window
// whose 5 frames all show the track is written, for every face track; a clip without a
// face has a cache with zero windows (eval then says cannot-judge: no-face).
import type { GridSegment } from '../sync/windows';
import type { LipTrack } from './clip-score';

export const WINDOW_CACHE_FORMAT = 'lipsync-lens-window-cache';
export const WINDOW_CACHE_VERSION = 1;

export type WindowCacheStage = 'embedding' | 'pre-fc';

export interface WindowCacheManifest {
  format: typeof WINDOW_CACHE_FORMAT;
  version: number;
  model: 'syncnet-v2' | 'syncnet-v4';
  stage: WindowCacheStage;
  /** Clip file name (as in the feature cache). */
  file: string;
  /** Values per window (v2: 1024 embedding / 512 pre-fc; v4: 128 / 18432). */
  dim: number;
  segments: { startTimeSec: number; slots: number }[];
  /** One entry per row of the .bin file. */
  windows: { trackId: number; segment: number; gridStart: number }[];
  /** The weights that made the rows (npm run features records them; the cache is remade for others). */
  weights?: { source: string; sha256: string };
}

export const windowCacheName = (file: string, model: string, stage: WindowCacheStage): string =>
  `${file}.${model}.${stage}`;

/** Validates a parsed manifest and the byte length of its data; `where` names the file in messages. */
export function parseWindowCache(
  json: unknown,
  data: Uint8Array,
  where: string,
): { manifest: WindowCacheManifest; rows: Float32Array } {
  const m = json as Partial<WindowCacheManifest> | null;
  if (!m || m.format !== WINDOW_CACHE_FORMAT)
    throw new Error(`${where}: not a lipsync-lens window cache (missing format "${WINDOW_CACHE_FORMAT}")`);
  if (m.version !== WINDOW_CACHE_VERSION)
    throw new Error(`${where}: window cache version ${m.version} is not supported`);
  if (!Array.isArray(m.windows) || !Array.isArray(m.segments) || !(typeof m.dim === 'number' && m.dim > 0)) {
    throw new Error(`${where}: window cache manifest lacks windows, segments or dim`);
  }
  const needed = m.windows.length * m.dim * 4;
  if (data.byteLength !== needed)
    throw new Error(`${where}: ${data.byteLength} bytes of data, the manifest needs ${needed}`);
  return { manifest: m as WindowCacheManifest, rows: new Float32Array(data.slice().buffer) };
}

/** Encodes rows for writing (the browser side, and the tests). */
export function encodeWindowCache(manifest: WindowCacheManifest, rows: readonly Float32Array[]): Uint8Array {
  if (rows.length !== manifest.windows.length)
    throw new RangeError(`${rows.length} rows for ${manifest.windows.length} windows`);
  const out = new Float32Array(rows.length * manifest.dim);
  rows.forEach((r, i) => {
    if (r.length !== manifest.dim)
      throw new RangeError(`row ${i} has ${r.length} values, dim is ${manifest.dim}`);
    out.set(r, i * manifest.dim);
  });
  return new Uint8Array(out.buffer);
}

/**
 * The cached rows as LipTracks on the feature cache's grid (one per face track). Throws
 * when the cache was written on a different grid (segment count, start or length).
 */
export function lipTracksFromCache(
  cache: { manifest: WindowCacheManifest; rows: Float32Array },
  segments: readonly GridSegment[],
  where: string,
): LipTrack[] {
  const { manifest, rows } = cache;
  if (manifest.segments.length !== segments.length) {
    throw new Error(
      `${where}: cached on ${manifest.segments.length} grid segments, the feature cache gives ${segments.length}`,
    );
  }
  manifest.segments.forEach((s, i) => {
    if (
      Math.abs(s.startTimeSec - segments[i].startTimeSec) > 1e-3 ||
      s.slots !== segments[i].frameIndices.length
    ) {
      const cached = `cached start ${s.startTimeSec} s, ${s.slots} slots`;
      const fresh = `feature cache ${segments[i].startTimeSec} s, ${segments[i].frameIndices.length} slots`;
      throw new Error(`${where}: grid segment ${i} differs (${cached}; ${fresh})`);
    }
  });
  const tracks = new Map<number, LipTrack>();
  manifest.windows.forEach((w, i) => {
    let track = tracks.get(w.trackId);
    if (!track) {
      track = {
        trackId: w.trackId,
        windows: segments.map((s) =>
          new Array<Float32Array | null>(Math.max(0, s.frameIndices.length - 4)).fill(null),
        ),
      };
      tracks.set(w.trackId, track);
    }
    const slots = track.windows[w.segment];
    if (!slots || w.gridStart < 0 || w.gridStart >= slots.length)
      throw new Error(
        `${where}: window ${i} (segment ${w.segment}, slot ${w.gridStart}) is outside the grid`,
      );
    slots[w.gridStart] = rows.subarray(i * manifest.dim, (i + 1) * manifest.dim);
  });
  return [...tracks.values()];
}
