// Where a whole-file decode's samples play (src/engine/audio-start.ts): runs between the gaps
// of a Matroska/WebM file's audio blocks, in node on made-up block times; and the blocks'
// times read from ffmpeg-made files (src/core/media/matroska.ts) against ffprobe's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runsFromBlockTimes } from '../../src/engine/audio-start';

const RATE = 48000;
/** `n` blocks of `step` s from `start`, rounded to whole ms as Matroska writes them. */
const blocks = (start: number, n: number, step: number) =>
  Array.from({ length: n }, (_, i) => Math.round((start + i * step) * 1000) / 1000);

describe('whole-sound runs from block times', () => {
  it('no gap: one run from the first block', () => {
    const times = blocks(0.994, 500, 0.02);
    assert.deepEqual(runsFromBlockTimes(times, 500 * 960, RATE), [{ time: 0.994, from: 0, to: 500 * 960 }]);
  });

  it("a 2-s dropout: the samples after it play from the next block's time", () => {
    const times = [...blocks(0, 200, 0.02), ...blocks(6, 150, 0.02)];
    const runs = runsFromBlockTimes(times, 350 * 960, RATE)!;
    assert.deepEqual(runs, [
      { time: 0, from: 0, to: 200 * 960 },
      { time: 6, from: 200 * 960, to: 350 * 960 },
    ]);
  });

  it("AAC's 23.2-ms blocks, stepping 23 and 24 ms: no gap, and a gap placed to the sample", () => {
    const step = 1024 / 44100;
    const times = [...blocks(0, 170, step), ...blocks(6, 200, step)];
    const samples = Math.round(370 * step * RATE);
    const runs = runsFromBlockTimes(times, samples, RATE)!;
    assert.equal(runs.length, 2);
    assert.equal(runs[1].time, 6);
    assert.ok(Math.abs(runs[1].from - 170 * step * RATE) <= 16, `${runs[1].from}`);
    assert.equal(runsFromBlockTimes(blocks(0, 370, step), samples, RATE)!.length, 1);
  });

  it('blocks that do not decode to equal lengths (the decoded length disagrees): null', () => {
    const times = blocks(0, 100, 0.02);
    assert.equal(runsFromBlockTimes(times, 100 * 960 * 2, RATE), null);
    assert.equal(runsFromBlockTimes([0.5], 960, RATE), null);
  });
});
