// The landmarker pool the file page keeps between checks (src/engine/face/kept-landmarkers.ts):
// loaded once and shared by the checks that follow, loaded anew after a worker failed or a
// load failed, and closed once nobody has used it for IDLE_RELEASE_MS. Fake pools and
// trackers stand in for MediaPipe's; that a kept pool gives a file the result a new one gives
// is checked through the real page in test/engine/check-cli.test.ts.
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { IDLE_RELEASE_MS, KeptLandmarkers } from '../../src/engine/face/kept-landmarkers';
import type { LandmarkerPool } from '../../src/engine/face/landmarker-pool';
import type { FaceTracker } from '../../src/engine/types';

interface FakePool extends LandmarkerPool {
  id: number;
  closed: boolean;
  failed: boolean;
  renewals: number;
}

/** Pools numbered in load order; `failNextLoad` makes the next load reject. */
function fakeParts() {
  const pools: FakePool[] = [];
  let failNextLoad = false;
  const parts = {
    async load(): Promise<LandmarkerPool> {
      if (failNextLoad) {
        failNextLoad = false;
        throw new Error('cannot load the face landmarker');
      }
      const pool: FakePool = {
        id: pools.length,
        closed: false,
        failed: false,
        renewals: 0,
        size: 1,
        where: 'fake',
        clocks: [],
        run: () => Promise.reject(new Error('not used')),
        close() {
          this.closed = true;
        },
      };
      pools.push(pool);
      return pool;
    },
    // Like the real tracker: close() is idempotent and calls onClose once.
    trackerOn(pool: LandmarkerPool, onClose: () => void): FaceTracker {
      let closed = false;
      return {
        pool,
        close() {
          if (closed) return;
          closed = true;
          onClose();
        },
      } as unknown as FaceTracker;
    },
  };
  return { parts, pools, failNext: () => (failNextLoad = true) };
}

const poolOf = (tracker: FaceTracker) => (tracker as unknown as { pool: FakePool }).pool;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('kept landmarkers', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('loads once when the page opens; every check after gets a new tracker on that pool', async () => {
    const { parts, pools } = fakeParts();
    const kept = new KeptLandmarkers(parts);
    kept.preload();
    const first = await kept.tracker();
    first.close();
    const second = await kept.tracker();
    assert.notEqual(first, second);
    assert.equal(poolOf(second), poolOf(first));
    assert.equal(pools.length, 1);
    assert.equal(pools[0].closed, false, 'closing a tracker leaves the kept pool open');
  });

  it('a pool whose worker failed is closed, and the next check loads a new one', async () => {
    const { parts, pools } = fakeParts();
    const kept = new KeptLandmarkers(parts);
    (await kept.tracker()).close();
    pools[0].failed = true;
    const tracker = await kept.tracker();
    await settle();
    assert.equal(pools.length, 2);
    assert.equal(pools[0].closed, true);
    assert.equal(poolOf(tracker).id, 1);
  });

  it('counts the worker replacements of every pool it loaded, the closed ones included', async () => {
    const { parts, pools } = fakeParts();
    const kept = new KeptLandmarkers(parts);
    (await kept.tracker()).close();
    pools[0].renewals = 3;
    assert.equal(kept.renewals, 3);
    pools[0].failed = true;
    (await kept.tracker()).close();
    pools[1].renewals = 1;
    assert.equal(kept.renewals, 4);
  });

  it('a load that failed is tried again at the next check, the error shown to the check that waited for it', async () => {
    const { parts, pools, failNext } = fakeParts();
    const kept = new KeptLandmarkers(parts);
    failNext();
    kept.preload();
    await assert.rejects(kept.tracker(), /cannot load the face landmarker/);
    const tracker = await kept.tracker();
    assert.equal(poolOf(tracker).id, 0);
    assert.equal(pools.length, 1);
  });

  it(`released after ${IDLE_RELEASE_MS / 1000} s unused — never while a check uses it — and loaded again for the next check`, async () => {
    const { parts, pools } = fakeParts();
    const kept = new KeptLandmarkers(parts);
    kept.preload();
    const tracker = await kept.tracker();
    mock.timers.tick(IDLE_RELEASE_MS * 3);
    await settle();
    assert.equal(pools[0].closed, false, 'in use: kept');
    tracker.close();
    tracker.close(); // counted once
    mock.timers.tick(IDLE_RELEASE_MS - 1);
    await settle();
    assert.equal(pools[0].closed, false, 'not yet idle long enough');
    assert.ok(kept.holding);
    mock.timers.tick(1);
    await settle();
    assert.equal(pools[0].closed, true, 'idle: released');
    assert.equal(kept.holding, false);
    const next = await kept.tracker();
    assert.equal(poolOf(next).id, 1);
  });

  it('a page opened and left alone releases its pool too', async () => {
    const { parts, pools } = fakeParts();
    const kept = new KeptLandmarkers(parts);
    kept.preload();
    await settle();
    mock.timers.tick(IDLE_RELEASE_MS);
    await settle();
    assert.equal(pools[0].closed, true);
  });
});
