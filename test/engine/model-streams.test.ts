// A slow model's streams in workers (src/engine/model-streams.ts, src/engine/model-worker.ts):
// the same embeddings as on the engine's thread, a worker that cannot load is reported
// (the engine then stays on its thread), and jobs after closing are refused, never left
// waiting. Real Chromium, TF.js wasm in the page and in the workers; SyncNet v2 with seeded
// stand-in weights (the values do not matter for equality). Page: test/harness/model-streams-page.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openHarness, type Harness } from '../helpers/harness';
import type { StreamsRun } from '../harness/model-streams-page';

type RunStreams = (
  where: 'this thread' | 'workers',
  windows: number,
  workerUrl?: string,
) => Promise<StreamsRun>;
const runStreams = (page: Page, where: 'this thread' | 'workers', windows: number, workerUrl?: string) =>
  page.evaluate(
    ([w, n, url]) => (window as unknown as { runStreams: RunStreams }).runStreams(w, n, url ?? undefined),
    [where, windows, workerUrl ?? null] as const,
  );

describe('model streams in workers', () => {
  let harness: Harness;
  let page: Page;
  before(async () => {
    harness = await openHarness('model-streams', 'test/harness/model-streams-page.ts');
    page = harness.page;
  });
  after(async () => {
    await harness?.close();
  });

  it('SyncNet v2 in two workers gives the embeddings it gives on the engine thread', async () => {
    // 17 windows: the lip stream's batches of 16 split them, as the engine's do.
    const inThread = await runStreams(page, 'this thread', 17);
    const inWorkers = await runStreams(page, 'workers', 17);
    assert.equal(inThread.where, 'this thread');
    assert.equal(inWorkers.where, '2 workers');
    for (const stream of ['lip', 'audio'] as const) {
      assert.equal(inWorkers[stream].length, 17, `${stream}: one embedding per window`);
      assert.equal(inWorkers[stream][0].length, 1024, `${stream}: SyncNet v2's 1024 values`);
      let maxDiff = 0;
      let scale = 0;
      inThread[stream].forEach((row, i) =>
        row.forEach((v, k) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - inWorkers[stream][i][k]));
          scale = Math.max(scale, Math.abs(v));
        }),
      );
      assert.ok(scale > 0, `${stream}: embeddings are not all zero`);
      assert.ok(maxDiff <= 1e-5 * scale, `${stream}: max |difference| ${maxDiff} of values up to ${scale}`);
    }
    assert.match(inWorkers.afterDispose, /^rejected: lip stream: closed/);
  });

  it('a worker script that cannot load is reported, not waited for', async () => {
    const failed = await runStreams(page, 'workers', 1, '/no/such/model-worker.js');
    assert.match(failed.where, /^workers failed to start: /);
  });
});
