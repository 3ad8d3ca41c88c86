// The lip stride (src/engine/lip-stride.ts): which windows' lips are embedded, and the stride
// 'auto' picks from measured lip-stream speed — the shipped model's (well under a
// millisecond a window) keeps every window, SyncNet v2's in the browser here (8–9 windows/s)
// goes to every 10th, and a model in between settles without flip-flopping.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { autoStart, LIP_SHARE_OF_REAL_TIME, LipStride } from '../../src/engine/lip-stride';

/** Feeds `batches` batches of 16 windows at `msPerWindow` each (after the left-out first batch). */
function feed(stride: LipStride, msPerWindow: number, batches = 10): void {
  for (let i = 0; i < batches; i++) stride.record(16, (16 * msPerWindow) / 1000);
}

describe('lip stride', () => {
  it('a fixed stride embeds slots 0, n, 2n …; strides other than 1, 2, 3, 5, 10 are refused', () => {
    const three = new LipStride(3);
    assert.deepEqual(
      [...Array(10).keys()].filter((slot) => three.embeds(slot)),
      [0, 3, 6, 9],
    );
    feed(three, 200);
    assert.equal(three.stride, 3, 'a fixed stride does not adapt');
    assert.throws(() => new LipStride(4), RangeError);
    assert.throws(() => new LipStride(20), RangeError);
    const ten = new LipStride(10);
    assert.deepEqual(
      [...Array(25).keys()].filter((slot) => ten.embeds(slot)),
      [0, 10, 20],
    );
  });

  it("auto: every window while the lips keep up, every 10th at SyncNet v2's 8.5 windows/s", () => {
    const fast = new LipStride('auto', autoStart('embedded'));
    assert.equal(fast.stride, 1, 'the shipped model starts on every window');
    feed(fast, 0.5);
    assert.equal(fast.stride, 1);
    // SyncNet weights start at the largest stride: every window would stall the first seconds.
    const v2 = new LipStride('auto', autoStart('syncnet-v2'));
    assert.equal(v2.stride, 10);
    v2.record(16, 100); // the first batch compiles: never counted
    assert.equal(v2.stride, 10);
    feed(v2, 1000 / 8.5);
    // Every 5th would take 25 / 5 / 8.5 = 0.59 of real time, over the share; every 10th 0.29.
    assert.equal(v2.stride, 10);
    const faster = new LipStride('auto', autoStart('syncnet-v4'));
    feed(faster, 1000 / 14);
    assert.equal(faster.stride, 5, '14 windows/s: every 5th takes 0.36 of real time, set at once');
    const quick = new LipStride('auto', 10);
    quick.record(4, 1); // compiling
    quick.record(4, 0.004);
    assert.equal(quick.stride, 1, 'a fast model started high goes to every window at its first measurement');
    assert.throws(() => new LipStride('auto', 4), RangeError);
  });

  it('auto: the smallest stride within the share of real time; back down only with room to spare', () => {
    const stride = new LipStride('auto');
    // 30 ms a window: 0.75 of real time on every window, 0.375 on every 2nd.
    feed(stride, 30, 20);
    assert.equal(stride.stride, 2);
    assert.ok((30e-3 * 25) / 2 <= LIP_SHARE_OF_REAL_TIME);
    // 12 ms: every window would take 0.30 of real time — within the share, not with room to spare.
    feed(stride, 12, 20);
    assert.equal(stride.stride, 2);
    // 8 ms: 0.20 of real time, well within: every window again.
    feed(stride, 8, 20);
    assert.equal(stride.stride, 1);
  });
});
