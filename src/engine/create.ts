// Builds an engine from local assets: TF.js backend by measurement, the chosen sync model
// (the embedded model shipped in models/embedded, or converted official SyncNet weights),
// its lip sampler, and the MediaPipe face tracker. Loading states go to onState.
import {
  decodeWeights,
  parseManifest,
  WeightsFormatError,
  type WeightsBundle,
} from '../core/convert/weights-bundle';
import { createSyncNetModel } from '../core/models';
import {
  createEmbeddedModel,
  EMBEDDED_DEFAULT_THRESHOLD,
  type EmbeddedSyncModel,
} from '../core/models/embedded';
import type { StreamMode, SyncModel, SyncNetModel } from '../core/models/types';
import { DEFAULT_DECISION_POLICY, LIVE_DECISION_POLICY, type DecisionPolicy } from '../core/decision/decide';
import { defaultCalibration, parseCalibration, type DecisionCalibration } from '../core/decision/calibration';
import { chooseBackend } from './backend';
import { SyncEngine } from './engine';
import { createFaceTracker } from './face-tracker';
import { createFeatureSampler, createSyncNetSampler, type LipSampler } from './lip-samplers';
import { inThreadStreams, workerStreams, type ModelStreams } from './model-streams';
import type { MfccKind } from './audio-segment';
import type { LipStrideSetting } from './lip-stride';
import type { EngineAssets, EngineOptions, FaceTracker, ModelChoice } from './types';

/** The VidTIMIT study's threshold for SyncNet (median − min confidence). */
export const SYNCNET_DEFAULT_THRESHOLD = 3.5;

export interface CreateEngineOptions extends EngineOptions {
  mode: 'live' | 'file';
  /** Force a TF.js backend instead of measuring (bench, tests). */
  backend?: 'wasm' | 'webgl' | 'cpu';
  /**
   * Where to get the face tracker instead of creating one with its own landmarkers (a page
   * that keeps its landmarkers between checks: face/kept-landmarkers.ts).
   */
  tracker?: () => Promise<FaceTracker>;
  /** Decision policy overrides. */
  policy?: Partial<DecisionPolicy>;
  /** Lips on every n-th window (lip-stride.ts); live defaults to 'auto', a file to 1. */
  lipStride?: LipStrideSetting;
  /** Live: the media time of an engine time where they differ (a tab capture's wall clock), EngineParts.mediaTimeOf. */
  mediaTimeOf?: (engineTime: number) => number;
}

export interface ModelParts {
  model: SyncModel;
  sampler: LipSampler;
  mfccKind: MfccKind;
  /** The model's calibration: its manifest's `decision`, or a default around its threshold. */
  calibration: DecisionCalibration;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** models/embedded/{manifest.json, weights.bin} → the embedded model. */
export async function loadEmbeddedBundle(base: string): Promise<WeightsBundle> {
  const manifestUrl = `${base.replace(/\/$/, '')}/manifest.json`;
  const manifest = parseManifest(
    JSON.parse(new TextDecoder().decode(await fetchBytes(manifestUrl))),
    manifestUrl,
  );
  return { manifest, data: await fetchBytes(`${base.replace(/\/$/, '')}/weights.bin`) };
}

export async function loadModelParts(
  choice: ModelChoice,
  assets: EngineAssets,
  weights?: WeightsBundle,
): Promise<ModelParts> {
  if (choice === 'embedded') {
    const bundle = weights ?? (await loadEmbeddedBundle(assets.embeddedModelBase));
    const model: EmbeddedSyncModel = createEmbeddedModel(
      decodeWeights(bundle),
      'both',
      bundle.manifest.source,
    );
    const stored = bundle.manifest as { threshold?: number; decision?: unknown };
    const threshold = stored.threshold ?? EMBEDDED_DEFAULT_THRESHOLD;
    const sampler = createFeatureSampler(model.lipInput, () => {
      const featurizer = model.createFeaturizer();
      return (face) =>
        featurizer.observe({ t: 0, segment: 0, shot: 0, faces: [face] }).get(face.trackId) ?? null;
    });
    return {
      model,
      sampler,
      mfccKind: 'psf',
      calibration: stored.decision
        ? parseCalibration(stored.decision, bundle.manifest.source)
        : defaultCalibration(threshold),
    };
  }
  const model = syncNetFromBundle(choice, weights, 'both');
  const stored = (weights?.manifest as { decision?: unknown } | undefined)?.decision;
  const calibration = stored
    ? parseCalibration(stored, weights!.manifest.source)
    : defaultCalibration(SYNCNET_DEFAULT_THRESHOLD);
  return {
    model,
    sampler: createSyncNetSampler(choice),
    mfccKind: choice === 'syncnet-v2' ? 'psf' : 'speechpy',
    calibration,
  };
}

/** Official SyncNet weights, checked to be of the chosen version, as a model with the streams `mode` names. */
export function syncNetFromBundle(
  choice: SyncNetModel['kind'],
  weights: WeightsBundle | undefined,
  mode: StreamMode,
): SyncNetModel {
  if (!weights) {
    throw new WeightsFormatError(
      `${choice} needs official weights: import syncnet_v2.model or lipsync_v4_73.mat first`,
    );
  }
  if (weights.manifest.model !== choice) {
    throw new WeightsFormatError(
      `${weights.manifest.source}: holds ${weights.manifest.model} weights, not ${choice}`,
    );
  }
  return createSyncNetModel(choice, decodeWeights(weights), mode, weights.manifest.source);
}

/**
 * A live check with SyncNet weights runs the model's streams in workers (model-streams.ts
 * says why), the model made here then freed; everything else stays on this thread.
 */
async function modelStreams(
  model: SyncModel,
  assets: EngineAssets,
  options: CreateEngineOptions,
  backend: 'wasm' | 'webgl' | 'cpu',
): Promise<ModelStreams> {
  if (options.mode !== 'live' || options.model === 'embedded' || !options.weights)
    return inThreadStreams(model);
  const started = await workerStreams(assets.modelWorkerUrl, {
    bundle: options.weights,
    tfWasmBase: new URL(assets.tfWasmBase, location.href).href,
    backend,
  });
  if (!('notStarted' in started)) {
    model.dispose();
    return started;
  }
  console.warn(`sync model: on this thread (${started.notStarted})`);
  return inThreadStreams(model, `this thread (${started.notStarted})`);
}

export async function createEngine(assets: EngineAssets, options: CreateEngineOptions): Promise<SyncEngine> {
  const onState = options.onState;
  onState?.({ status: 'loading', what: 'TensorFlow.js', progress: 0 });
  const backend = await chooseBackend(assets.tfWasmBase, options.backend);
  onState?.({ status: 'loading', what: 'the sync model', progress: 0.3 });
  const { model, ...parts } = await loadModelParts(options.model, assets, options.weights);
  onState?.({ status: 'loading', what: 'face tracking', progress: 0.6 });
  const streams = await modelStreams(model, assets, options, backend.backend);
  let tracker: FaceTracker;
  try {
    tracker = await (options.tracker ?? (() => createFaceTracker(assets)))();
  } catch (error) {
    streams.dispose();
    throw error;
  }
  return new SyncEngine({
    ...parts,
    streams,
    modelChoice: options.model,
    tracker,
    backend: backend.backend,
    mode: options.mode,
    // Live: the lip stream keeps up with the video by a stride when it must; a file takes its time.
    lipStride: options.lipStride ?? (options.mode === 'live' ? 'auto' : 1),
    ...(options.mediaTimeOf ? { mediaTimeOf: options.mediaTimeOf } : {}),
    // A user threshold stands for the confidence at which match and mismatch are equally likely.
    calibration: options.threshold !== undefined ? defaultCalibration(options.threshold) : parts.calibration,
    policy: {
      ...DEFAULT_DECISION_POLICY,
      ...(options.mode === 'live' ? LIVE_DECISION_POLICY : {}),
      ...options.policy,
    },
    onState,
  });
}
