// The pure parts of live checking, in node (no browser): which playback changes start a
// new engine segment, how a state looks on the badge, where frames are cut, and how tapped
// audio is placed in media time (by when it was taken, whatever the output latency).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segmentReason } from '../../src/offscreen/session';
import { headlineState, stateLook } from '../../src/shared/state-look';
import { clampRegion, cropPlan, pictureRect } from '../../src/shared/capture-geometry';
import { loopedMediaTime, MediaClock } from '../../src/content/media-clock';
import { processedAt, type OutputClock } from '../../src/content/audio-tap';
import { migrateSettings, parseSite, sitePatterns } from '../../src/shared/settings';
import type { SyncState } from '../../src/core/state';
import { evidenceOf, PLAYING } from '../helpers/states';

const playing = PLAYING;

test('segment reasons: seek, source change, rate change, resume after pause / hidden / mute; nothing else', () => {
  assert.equal(segmentReason(null, playing), null);
  assert.equal(segmentReason(playing, { ...playing }), null);
  assert.equal(segmentReason(playing, { ...playing, seeking: true }), 'seek');
  assert.equal(segmentReason(playing, { ...playing, src: 'ad.mp4' }), 'source-change');
  assert.equal(segmentReason(playing, { ...playing, rate: 1.5 }), 'rate-change');
  assert.equal(segmentReason(playing, { ...playing, paused: true }), null);
  assert.equal(segmentReason({ ...playing, paused: true }, playing), 'resume');
  assert.equal(segmentReason({ ...playing, hidden: true }, playing), 'resume');
  assert.equal(segmentReason({ ...playing, silenced: true }, playing), 'resume');
  assert.equal(segmentReason({ ...playing, seeking: true }, { ...playing, seeking: true }), null);
  assert.equal(
    segmentReason(playing, {
      ...playing,
      rect: { x: 1, y: 2, width: 3, height: 4, viewportWidth: 5, viewportHeight: 6 },
    }),
    null,
  );
});

const evidence = evidenceOf({ evidenceSeconds: 3, checkedTo: 3 });

test("badge look per state, and a fake beats a real beats work in progress across a tab's videos", () => {
  assert.deepEqual(
    [stateLook({ status: 'in-sync', evidence }).badge, stateLook({ status: 'in-sync', evidence }).tone],
    ['REAL', 'real'],
  );
  assert.equal(stateLook({ status: 'mismatch', evidence }).badge, 'FAKE');
  assert.equal(stateLook({ status: 'cannot-judge', reason: 'no-face' }).badge, '?');
  assert.match(stateLook({ status: 'cannot-judge', reason: 'no-face' }).sentence, /No face/);
  assert.equal(stateLook({ status: 'checking', progress: 0.42 }).badge, '42%');
  assert.equal(stateLook({ status: 'idle' }).badge, '');
  const states: SyncState[] = [
    { status: 'checking', progress: 0.2 },
    { status: 'mismatch', evidence },
    { status: 'in-sync', evidence },
  ];
  assert.equal(headlineState(states).status, 'mismatch');
  assert.equal(headlineState([]).status, 'idle');
  assert.equal(
    headlineState([
      { status: 'cannot-judge', reason: 'silent' },
      { status: 'loading', what: 'x' },
    ]).status,
    'loading',
  );
});

test('crops: the engine region clamped to the frame and scaled to 320 px, else the whole frame at 640 px; letterboxing removed', () => {
  assert.deepEqual(clampRegion({ x: -10, y: 5.5, width: 100, height: 2000 }, 640, 360), {
    x: 0,
    y: 5,
    width: 90,
    height: 355,
  });
  assert.equal(clampRegion({ x: 700, y: 0, width: 10, height: 10 }, 640, 360), null);
  const whole = cropPlan(null, 1280, 720);
  assert.deepEqual(
    [whole.region, whole.source, whole.out],
    [null, { x: 0, y: 0, width: 1280, height: 720 }, { width: 640, height: 360 }],
  );
  const face = cropPlan({ x: 400, y: 100, width: 480, height: 480 }, 1280, 720);
  assert.deepEqual(
    [face.region, face.out],
    [
      { x: 400, y: 100, width: 480, height: 480 },
      { width: 320, height: 320 },
    ],
  );
  assert.deepEqual(
    cropPlan({ x: 10, y: 10, width: 100, height: 50 }, 1280, 720).out,
    { width: 100, height: 50 },
    'never scaled up',
  );
  // A 16:9 video in a square element with object-fit: contain.
  assert.deepEqual(pictureRect({ x: 0, y: 0, width: 400, height: 400 }, 'contain', 1600, 900), {
    x: 0,
    y: 87.5,
    width: 400,
    height: 225,
  });
  assert.deepEqual(pictureRect({ x: 0, y: 0, width: 400, height: 400 }, 'fill', 1600, 900), {
    x: 0,
    y: 0,
    width: 400,
    height: 400,
  });
});

test('tapped audio is placed at the media time on screen when it was taken, at the playback rate; no anchor after a seek', () => {
  const clock = new MediaClock();
  assert.equal(clock.mediaTimeAt(1000), null);
  clock.onFrame(10, 5000, 1);
  assert.equal(clock.mediaTimeAt(5500), 10.5);
  clock.onFrame(10, 5000, 2);
  assert.equal(clock.mediaTimeAt(5500), 11);
  clock.invalidate();
  assert.equal(clock.mediaTimeAt(5500), null);
});

test("a looping video's frames keep the element's time: Firefox's mediaTime counting on across the loop comes back to currentTime's", () => {
  // Firefox ESR 153, a 3-s clip with loop: mediaTime 3.00 / 3.04 / 7.96 at currentTime 0.021 / 0.061 / 1.982.
  assert.ok(Math.abs(loopedMediaTime(3, 0.021, 3) - 0) < 1e-9);
  assert.ok(Math.abs(loopedMediaTime(3.04, 0.061, 3) - 0.04) < 1e-9);
  assert.ok(Math.abs(loopedMediaTime(7.96, 1.982, 3) - 1.96) < 1e-9);
  // Chromium (and Firefox's first pass): mediaTime near currentTime, either side, is kept.
  assert.equal(loopedMediaTime(2.96, 2.98, 3), 2.96);
  assert.equal(loopedMediaTime(2.99, 0.01, 3), 2.99); // the last frame, drawn as the loop seeks
  assert.equal(loopedMediaTime(1.2, 1.1, 3), 1.2);
  // No duration to count laps with (a stream, metadata not loaded), or a loop shorter than a second.
  assert.equal(loopedMediaTime(30, 1, Infinity), 30);
  assert.equal(loopedMediaTime(30, 1, NaN), 30);
  assert.equal(loopedMediaTime(1.5, 0.6, 0.9), 1.5);
  // Past the end but not a lap ahead of currentTime (no loop): kept.
  assert.equal(loopedMediaTime(3.02, 2.99, 3), 3.02);
});

test('a chunk is stamped when the graph processed it: output latency (Bluetooth) does not move it', () => {
  // The device plays context time 10.0 s at performance 50 000 ms, 20 ms after the graph
  // rendered it (outputLatency 0.015 + baseLatency 0.005).
  const clock: OutputClock = {
    stamp: { contextTime: 10, performanceTime: 50_000 },
    outputLatency: 0.015,
    baseLatency: 0.005,
    currentTime: 10.05,
    now: 50_030,
  };
  const taken = processedAt(clock, 10.1);
  assert.ok(Math.abs(taken - (50_000 + 100 - 20)) < 1e-6);
  // Headphones add 200 ms: the device reports it in both the timestamp and outputLatency.
  const bluetooth: OutputClock = {
    ...clock,
    stamp: { contextTime: 10 - 0.2, performanceTime: 50_000 },
    outputLatency: 0.215,
  };
  assert.ok(Math.abs(processedAt(bluetooth, 10.1) - taken) < 1e-6);
  // Before the first output (no stamp): currentTime is being rendered now.
  const early: OutputClock = { ...clock, stamp: { contextTime: 0, performanceTime: 0 } };
  assert.ok(Math.abs(processedAt(early, 10.1) - (50_030 + 50)) < 1e-6);
});

test('settings v1 → v2: the old shared 3.5 default becomes "the model\'s default"', () => {
  assert.equal(migrateSettings({ settingsVersion: 1, threshold: 3.5 }).threshold, null);
  assert.equal(migrateSettings({ settingsVersion: 1, threshold: 4.2 }).threshold, 4.2);
  assert.deepEqual(migrateSettings(undefined).autoScanSites, []);
});

test('"Add a site": what the user types becomes the host auto-scan keys on, or is refused', () => {
  for (const [typed, site] of [
    ['example.com', 'example.com'],
    ['  Example.COM  ', 'example.com'],
    ['https://www.youtube.com/watch?v=1', 'youtube.com'],
    ['www.example.co.uk', 'example.co.uk'],
    ['www.com', 'www.com'],
    ['video.example.org:8443/path', 'video.example.org'],
    ['http://127.0.0.1:8080/page.html', '127.0.0.1'],
    ['localhost:3000', 'localhost'],
    ['bücher.de', 'xn--bcher-kva.de'],
  ] as const)
    assert.equal(parseSite(typed), site, typed);
  for (const typed of [
    '',
    'not a site',
    'example',
    '*.example.com',
    'ftp://example.com',
    'file:///tmp/a.html',
    '[::1]',
    '-bad-.com',
    'a..com',
  ]) {
    assert.equal(parseSite(typed), null, typed);
  }
  assert.deepEqual(sitePatterns('example.com'), ['*://example.com/*', '*://*.example.com/*']);
  assert.deepEqual(sitePatterns('127.0.0.1'), ['*://127.0.0.1/*'], 'an IP address has no subdomains');
});
