// One entry point for every checkpoint a user may bring: the file's leading bytes decide
// which converter runs, so `npm run convert` and the options page's "Import weights file"
// accept syncnet_v2.model and lipsync_v4_73.mat without asking which is which.
import type { SyncModelKind, WeightMap } from '../models/types';
import { convertSyncNetV2Checkpoint } from '../models/syncnet-v2';
import { convertSyncNetV4Mat } from '../models/syncnet-v4';
import { looksLikeZip } from './zip';
import { WeightsFormatError } from './weights-bundle';

export type CheckpointFormat = 'torch' | 'matlab' | 'unknown';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const PICKLE_PROTO = 0x80;

function startsWith(bytes: Uint8Array, at: number, signature: number[]): boolean {
  return bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
}

function startsWithText(bytes: Uint8Array, text: string): boolean {
  return startsWith(
    bytes,
    0,
    [...text].map((c) => c.charCodeAt(0)),
  );
}

/**
 * torch.save writes a zip archive (PyTorch ≥ 1.6) or a pickle stream starting with the
 * PROTO opcode (legacy); MATLAB writes a text header ("MATLAB 5.0 MAT-file" for v5–v7,
 * v7.3 puts its HDF5 superblock after a 512-byte user block).
 */
export function detectCheckpointFormat(bytes: Uint8Array): CheckpointFormat {
  if (looksLikeZip(bytes) || bytes[0] === PICKLE_PROTO) return 'torch';
  if (
    startsWithText(bytes, 'MATLAB') ||
    startsWith(bytes, 0, HDF5_SIGNATURE) ||
    startsWith(bytes, 512, HDF5_SIGNATURE)
  )
    return 'matlab';
  return 'unknown';
}

export interface ConvertedCheckpoint {
  model: Exclude<SyncModelKind, 'embedded'>;
  weights: WeightMap;
}

/** Converts an official SyncNet checkpoint; errors name the file and what is wrong with it. */
export function convertCheckpoint(bytes: Uint8Array, fileName: string): ConvertedCheckpoint {
  switch (detectCheckpointFormat(bytes)) {
    case 'torch':
      return { model: 'syncnet-v2', weights: convertSyncNetV2Checkpoint(bytes, fileName) };
    case 'matlab':
      return { model: 'syncnet-v4', weights: convertSyncNetV4Mat(bytes, fileName) };
    case 'unknown':
      throw new WeightsFormatError(
        bytes.length === 0
          ? `${fileName}: the file is empty`
          : `${fileName}: not a SyncNet checkpoint — expected syncnet_v2.model (torch.save) or lipsync_v4_73.mat (MATLAB v7.3)`,
      );
  }
}
