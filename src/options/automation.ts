// The file page's entry points for automation, in the instrumented builds only
// (dist/chrome-test: __TEST_HOOKS__, issue 11 item 6): the `check` CLI (scripts/lib/checker.ts)
// sets the file inputs, clicks Check and reads progress (window.lipsyncProgress, exposed by
// Playwright) and the result (window.lipsyncResult); `npm run features` extracts face
// observations, sound and SyncNet window caches (lipsyncExtractFeatures,
// lipsyncReadWindowCache). The product builds carry none of it (test/build/test-hooks.test.ts).
import { chooseBackend } from '../engine/backend';
import { syncNetFromBundle } from '../engine/create';
import { createSyncNetSampler } from '../engine/lip-samplers';
import { WindowCacheWriter, type WindowCacheFile } from '../engine/window-cache-writer';
import type { SyncNetModel } from '../core/models/types';
import type { WindowCacheManifest, WindowCacheStage } from '../core/train/window-cache';
import { extractFeatures, type FileCheckInput, type FileCheckProgress } from '../engine/file-source';
import type { KeptLandmarkers } from '../engine/face/kept-landmarkers';
import type { ClipFeatures } from '../core/features';
import type { CheckResult, FaceTracker } from '../engine/types';
import { extensionAssets } from '../shared/assets';
import { readWeights } from './read-weights';
import { PART_INPUTS, type StreamedPart, type StreamingRequest } from './cli-parts';

export type PageProgress = FileCheckProgress | { phase: 'loading'; what: string };

declare global {
  interface Window {
    /** Set by the CLI (Playwright exposeFunction) to receive progress. */
    lipsyncProgress?: (progress: PageProgress) => void;
    lipsyncResult?: CheckResult | { error: string };
    /**
     * Automation (npm run features): face observations + 16 kHz PCM (base64) of the chosen
     * files, no model — and with `windows`, the SyncNet window caches of the same run, made
     * with the weights in the #weights-file input (their bytes: lipsyncReadWindowCache).
     */
    lipsyncExtractFeatures?: (windows?: WindowCacheRequest) => Promise<ExtractedForCli | { error: string }>;
    /** base64 of bytes [start, start + length) of window cache `index` of the last extraction. */
    lipsyncReadWindowCache?: (index: number, start: number, length: number) => string;
    /**
     * Set by the CLI for a streamed transcode: the next check reads the file's parts through
     * lipsyncNextPart instead of the chosen file (which is then only its first part).
     */
    lipsyncStreaming?: StreamingRequest;
    /** Set by the CLI: engine settings for the next check that the form does not offer (the lip stride). */
    lipsyncEngineOptions?: { lipStride?: number };
    /** Landmarker workers the page's kept pool has replaced by fresh ones (tests). */
    lipsyncLandmarkerRenewals?: () => number;
    /** Exposed by the CLI: puts the next part in the part inputs and says where it starts; null after the last. */
    lipsyncNextPart?: () => Promise<StreamedPart | null>;
  }
}

export interface WindowCacheRequest {
  model: SyncNetModel['kind'];
  stages: WindowCacheStage[];
}

export interface ExtractedForCli {
  features: ClipFeatures;
  pcmBase64: string | null;
  /** Manifest and byte length of each window cache (one per requested stage). */
  windowCaches: { manifest: WindowCacheManifest; bytes: number }[];
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

let windowCaches: WindowCacheFile[] = [];

/** The page's check as the CLI sees it: progress as it goes, the result (undefined: a new run started). */
export interface AutomationReporter {
  progress(p: PageProgress): void;
  result(result: CheckResult | { error: string } | undefined): void;
  /** The parts of a streamed transcode when the CLI asked for one, else null (check the chosen file). */
  streamedParts(): AsyncIterable<FileCheckInput> | null;
  /** Engine settings the CLI asked for beyond the form's. */
  engineOptions(): { lipStride?: number };
}

/** The CLI's parts, each put in the part inputs when the page asks for it. */
async function* partsFromCli(streaming: StreamingRequest): AsyncIterable<FileCheckInput> {
  const file = (id: string) => (document.getElementById(id) as HTMLInputElement).files?.[0];
  for (let part = await window.lipsyncNextPart!(); part; part = await window.lipsyncNextPart!()) {
    const video = file(PART_INPUTS.video);
    if (!video) throw new Error('the CLI gave a part without its video');
    yield {
      video,
      videoName: streaming.name,
      audio: part.hasAudio ? file(PART_INPUTS.audio) : undefined,
      audioName: streaming.name,
      part: { start: part.start, audioStart: part.audioStart, totalDuration: streaming.totalDuration },
    };
  }
}

/** Installs the page's entry points for the CLI (`npm run check`, `npm run features`); returns where the page reports to. */
export function installAutomation(landmarkers: KeptLandmarkers): AutomationReporter {
  window.lipsyncReadWindowCache = (index, start, length) =>
    toBase64(windowCaches[index].data.subarray(start, start + length));
  window.lipsyncExtractFeatures = (windows) => extractForCli(landmarkers, windows);
  window.lipsyncLandmarkerRenewals = () => landmarkers.renewals;
  for (const id of Object.values(PART_INPUTS)) {
    const input = Object.assign(document.createElement('input'), { type: 'file', id, hidden: true });
    document.body.append(input);
  }
  return {
    progress: (p) => window.lipsyncProgress?.(p),
    result: (result) => {
      window.lipsyncResult = result;
    },
    streamedParts: () => (window.lipsyncStreaming ? partsFromCli(window.lipsyncStreaming) : null),
    engineOptions: () => window.lipsyncEngineOptions ?? {},
  };
}

async function extractForCli(
  landmarkers: KeptLandmarkers,
  windows?: WindowCacheRequest,
): Promise<ExtractedForCli | { error: string }> {
  const video = (document.getElementById('video-file') as HTMLInputElement).files?.[0];
  const audio = (document.getElementById('audio-file') as HTMLInputElement).files?.[0];
  if (!video) return { error: 'no video chosen' };
  let tracker: FaceTracker | null = null;
  let writer: WindowCacheWriter | null = null;
  windowCaches = [];
  try {
    if (windows) {
      const weights = [
        ...((document.getElementById('weights-file') as HTMLInputElement | null)?.files ?? []),
      ];
      await chooseBackend(extensionAssets().tfWasmBase);
      writer = new WindowCacheWriter(
        syncNetFromBundle(windows.model, await readWeights(weights), 'lip'),
        createSyncNetSampler(windows.model),
        windows.stages,
      );
    }
    tracker = await landmarkers.tracker();
    const onObservation = writer ? writer.observe.bind(writer) : undefined;
    const { features, pcm } = await extractFeatures(
      tracker,
      { video, videoName: video.name, audio, audioName: audio?.name },
      { onProgress: (p) => window.lipsyncProgress?.(p) },
      onObservation,
    );
    windowCaches = writer ? await writer.finish(features) : [];
    return {
      features,
      pcmBase64: pcm ? toBase64(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)) : null,
      windowCaches: windowCaches.map((c) => ({ manifest: c.manifest, bytes: c.data.byteLength })),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    tracker?.close();
    writer?.dispose();
  }
}
