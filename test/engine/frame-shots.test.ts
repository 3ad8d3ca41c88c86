// FrameShots (src/engine/frame-shots.ts), in node: a host that sends whole-frame signatures
// is never mixed with the engine's own readings (a frame without one is not compared), so
// a host that leaves some frames out cannot make cuts out of the switch; the host's own
// signatures still show a real cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameShots } from '../../src/engine/frame-shots';
import { SIGNATURE_LENGTH } from '../../src/core/video/shots';
import type { EngineFrame } from '../../src/engine/types';

const frame = (t: number, signature?: number[]): EngineFrame => ({
  mediaTime: t,
  // Never read: with host signatures the engine reads no picture (node has no canvas to read it with).
  image: {} as EngineFrame['image'],
  videoWidth: 640,
  videoHeight: 360,
  ...(signature ? { signature } : {}),
});

test('host signatures: frames without one are not compared, and a real cut in the host signatures is found', () => {
  let cuts = 0;
  const shots = new FrameShots({ newShot: () => cuts++ });
  const room = Array.from({ length: SIGNATURE_LENGTH }, (_, i) => (i % 7) / 7);
  const street = room.map((v) => 1 - v);
  const seen: boolean[] = [];
  for (let i = 0; i < 20; i++)
    seen.push(shots.beforeObserve(frame(i * 0.04, i % 2 === 0 ? room : undefined)));
  assert.deepEqual(seen, Array(20).fill(false));
  assert.equal(cuts, 0);
  assert.equal(shots.beforeObserve(frame(0.8, street)), true);
  assert.equal(cuts, 1);
});
