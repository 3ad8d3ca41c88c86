// Which clips train the embedded model: those whose sound belongs to their lips by
// provenance (real in-sync recordings, generated talking heads and lip-syncs), never face
// swaps, never labels of low confidence unless asked; an unknown speaker ("-") is the clip's own.
import assert from 'node:assert/strict';
import test from 'node:test';
import { isTrainingClip, speakerOf, type ManifestRow } from '../../scripts/ml-common';

const row = (status: string, confidence = 'high', speaker = 'spk'): ManifestRow => ({
  file: 'a.mp4',
  status,
  confidence,
  speaker,
  sourceRepo: '',
  path: '',
  commit: '',
  licence: '',
  origin: '',
  durationS: 5,
  notes: '',
});

test('training clips: in sync by provenance, confidence not low', () => {
  assert.equal(isTrainingClip(row('real-in-sync')), true);
  assert.equal(isTrainingClip(row('generated-talkinghead', 'medium')), true);
  assert.equal(isTrainingClip(row('generated-lipsync')), true);
  assert.equal(isTrainingClip(row('generated-faceswap')), false);
  assert.equal(isTrainingClip(row('real-in-sync', 'low')), false);
  assert.equal(isTrainingClip(row('real-in-sync', 'low'), true), true);
  assert.equal(isTrainingClip(row('real-dubbed')), false);
  assert.equal(isTrainingClip(undefined), true, 'a folder without a manifest: its clips are taken as real');
});

test('speakers: a known id groups clips; "-" or none makes the clip its own speaker', () => {
  assert.equal(speakerOf('a.mp4', row('real-in-sync', 'high', 'vox-A')), 'vox-A');
  assert.equal(speakerOf('a.mp4', row('generated-talkinghead', 'high', '-')), 'a.mp4');
  assert.equal(speakerOf('b.mp4', undefined), 'b.mp4');
});
