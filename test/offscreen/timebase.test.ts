// Play time for the engine, media time for the views (src/offscreen/timebase.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timebase } from '../../src/offscreen/timebase';
import { mapStateTimes, whyText } from '../../src/core/state';

test('at another rate the engine runs in play time from where the rate was set, and maps back', () => {
  const timebase = new Timebase(false);
  timebase.reset(1);
  assert.deepEqual(
    [0.1, 0.3, 10].map((t) => timebase.map(t)),
    [0.1, 0.3, 10],
    'rate 1: media time itself',
  );
  assert.equal(timebase.identity, true);
  timebase.reset(2);
  assert.deepEqual(
    [20, 22, 30].map((t) => timebase.map(t)),
    [20, 21, 25],
  );
  assert.equal(timebase.identity, false);
  // Back: a span the engine placed at 21–24.5 lies at 22–29 in the video.
  assert.deepEqual(
    [21, 24.5, 25.8].map((t) => timebase.toMedia(t)),
    [22, 29, 31.6],
  );
  // Earlier engine times were the rate-1 stretch's: unchanged.
  assert.equal(timebase.toMedia(5), 5);
  // 1.5× from 40: its stretch wins over the older one where they overlap (a seek back).
  timebase.reset(1.5);
  assert.equal(timebase.map(40), 40);
  assert.equal(timebase.map(43), 42);
  assert.equal(timebase.toMedia(42), 43);
});

test('a tab capture is on the wall clock: nothing is rescaled at any rate', () => {
  const timebase = new Timebase(true);
  timebase.reset(2);
  assert.deepEqual(
    [1000, 1001].map((t) => timebase.map(t)),
    [1000, 1001],
  );
  assert.equal(timebase.toMedia(1001), 1001);
  assert.equal(timebase.identity, true);
});

test("mapStateTimes: a turn's spans and their words move with the times; states without times are kept", () => {
  const double = (t: number) => 2 * t;
  const why = { kind: 'turn-unclear' as const, spans: [{ start: 3, end: 6 }], percent: 80 };
  const mapped = mapStateTimes(
    { status: 'cannot-judge', reason: 'several-speakers-unresolved', detail: whyText(why), why },
    double,
  );
  assert.ok(mapped.status === 'cannot-judge');
  assert.deepEqual(mapped.why, { ...why, spans: [{ start: 6, end: 12 }] });
  assert.match(mapped.detail!, /6\.0–12\.0 s/);
  const waiting = { status: 'waiting-for-speech', seconds: 2 } as const;
  assert.equal(mapStateTimes(waiting, double), waiting);
});

test('a tab capture maps back by the media times the page told at wall instants', () => {
  const timebase = new Timebase(true);
  timebase.reset(1);
  assert.equal(timebase.toMedia(500), 500, 'nothing told yet: unchanged');
  timebase.wallAnchor(100, 3, 1); // playing: media 3 s at wall 100 s
  timebase.wallAnchor(101, 4.05, 1); // on course: not kept
  timebase.wallAnchor(105, 0.5, 1); // a loop back to the start
  timebase.wallAnchor(110, 5.5, 2); // 2× from here
  assert.equal(timebase.identity, false);
  assert.deepEqual(
    [99, 102, 104.5, 106, 111].map((t) => timebase.toMedia(t)),
    [2, 5, 7.5, 1.5, 7.5],
  );
  timebase.wallAnchor(103, 9, 1); // older than the last: ignored
  assert.equal(timebase.toMedia(111), 7.5);
});
