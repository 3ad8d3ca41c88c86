// CutOffWatch (src/engine/cut-off.ts): where a file stops short of its own length.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CutOffWatch } from '../../src/engine/cut-off';

/** Frames every 40 ms and sound in 1-s chunks up to `pictureTo` and `soundTo` (s). */
function watched(pictureTo: number, soundTo: number | null): CutOffWatch {
  const watch = new CutOffWatch();
  for (let t = 0; t < pictureTo - 1e-9; t += 0.04) watch.frame(t);
  if (soundTo !== null) for (let t = 1; t <= soundTo; t++) watch.sound(t);
  return watch;
}

describe('CutOffWatch', () => {
  it('a sample past the end of the file: cut at its time, whatever was read', () => {
    const watch = watched(11.9, 12);
    watch.samplePastEnd(6.2);
    watch.samplePastEnd(5.8);
    assert.deepEqual(watch.result(11.92, true), { atS: 5.8, ofS: 11.92 });
    assert.deepEqual(watch.result(11.92, false), { atS: 5.8, ofS: 11.92 }, 'in a part as well');
  });

  it('picture and sound both ending more than a second before the length: cut where the later ends', () => {
    assert.deepEqual(watched(4, 4).result(8, true), { atS: 4, ofS: 8 });
    const cut = watched(4.2, 3).result(8, true);
    assert.ok(
      cut && Math.abs(cut.atS - 4.16) < 1e-9 && cut.ofS === 8,
      `the later of the two: ${JSON.stringify(cut)}`,
    );
  });

  it('a whole file is not cut: media to within a second of its length, or either side to the end', () => {
    assert.equal(watched(7.6, 8).result(8, true), undefined);
    assert.equal(watched(7.2, 7).result(8, true), undefined, 'less than a second short');
    assert.equal(watched(8, 3).result(8, true), undefined, 'sound shorter than the picture');
    assert.equal(watched(3, 8).result(8, true), undefined, 'picture shorter than the sound');
  });

  it('no verdict on where the media ends without sound, in one part of a longer file, or without a length', () => {
    assert.equal(watched(3, null).result(8, true), undefined, 'a held last frame may last seconds');
    assert.equal(watched(4, 4).result(30, false), undefined, 'one part of a streamed transcode');
    assert.equal(watched(4, 4).result(0, true), undefined);
    assert.equal(watched(4, 4).result(Number.NaN, true), undefined);
  });
});
