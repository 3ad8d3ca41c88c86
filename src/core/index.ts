// lipsync-lens core: the public API shared by the extension, the CLI and node scripts.
// Pure: no DOM, no chrome.*; TF.js is the only runtime dependency (any backend).

// Audio: python_speech_features / speechpy-exact MFCC, int16 conversion, resampling.
export {
  mfccSyncnetV2,
  mfccSyncnetV4,
  mfccPsf,
  mfccSpeechpy,
  floatToInt16Pcm,
  resample,
  StreamingResampler,
  speechProbabilities,
  speechProbabilitiesRange,
  windowSpeech,
  SPEECH_LOOKAHEAD_ROWS,
  type FeatureMatrix,
  type Int16ScaleSamples,
} from './audio';

// Time: presentation times → 25-fps grid → 5-frame / 20-row windows.
export {
  resampleToGrid,
  windowsForSegment,
  gridSlotTime,
  GRID_FPS,
  MFCC_ROWS_PER_SEC,
  WINDOW_FRAMES,
  WINDOW_MFCC_ROWS,
  type GridSegment,
  type SyncWindow,
} from './sync/windows';

// Offset search and confidence (syncnet_python calc_pdist / evaluate), batch and streaming.
export {
  searchOffset,
  searchOffsetRuns,
  combineSearches,
  StreamingOffsetSearch,
  windowDistances,
  offsetFramesToMs,
  SYNCNET_VSHIFT,
  type OffsetResult,
  type CombinedOffset,
} from './sync/offset-search';

// Face and mouth crops (run_pipeline.crop_video; the v4 mouth box).
export {
  faceCropTrack,
  faceCropRect,
  smoothFaceTrack,
  faceCrop,
  mouthBox,
  mouthCrop,
  cropResize,
  toGray,
} from './face/crop';

// Models: SyncNet v2 / v4 in TF.js, converters and the converted-weights bundle.
export type {
  SyncModel,
  SyncModelKind,
  StreamMode,
  WeightMap,
  LipInputSpec,
  AudioInputSpec,
} from './models/types';
export { createSyncNetV2, convertSyncNetV2Checkpoint, SYNCNET_V2_EMBEDDING_SIZE } from './models/syncnet-v2';
export { createSyncNetV4, convertSyncNetV4Mat, SYNCNET_V4_EMBEDDING_SIZE } from './models/syncnet-v4';
export { createSyncModel, loadSyncModel } from './models';
export { convertCheckpoint, detectCheckpointFormat, type ConvertedCheckpoint } from './convert';
export {
  encodeWeights,
  decodeWeights,
  parseManifest,
  WeightsFormatError,
  type WeightsBundle,
  type WeightsManifest,
} from './convert/weights-bundle';

// Embedding + search in one call.
export { scoreWindows, embedInBatches, mfccWindowTensor, type ScoreOptions } from './score';

// The pipeline state every view renders.
export {
  verdictOf,
  REASON_TEXT,
  type SyncState,
  type SyncEvidence,
  type CannotJudgeReason,
  type Verdict,
} from './state';
