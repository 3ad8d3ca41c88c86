// Audio front end: resampling to 16 kHz, float → int16 PCM scale, and the two SyncNet MFCC
// variants (v4: speechpy), and the speech detector (speech.ts). Pure functions; no DOM, no node:.
export type { FeatureMatrix, Int16ScaleSamples } from './dsp';
export { floatToInt16Pcm, mfccPsf, mfccSyncnetV2, psfFilterbankEdges, type PsfMfccOptions } from './mfcc';
export {
  mfccSpeechpy,
  mfccSyncnetV4,
  speechpyFilterbankEdges,
  type SpeechpyMfccOptions,
} from './mfcc-speechpy';
export { resample, StreamingResampler, type FloatSamples } from './resample';
export {
  speechProbabilities,
  speechProbabilitiesRange,
  windowSpeech,
  SPEECH_LOOKAHEAD_ROWS,
  type SpeechModel,
} from './speech';
