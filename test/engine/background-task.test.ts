// The live engine's update beside the frames (src/engine/background-task.ts): one run at a
// time, requests during a run folded into one more run, a failure kept for the next step
// and thrown once, nothing run or kept once the owner is gone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundTask } from '../../src/engine/background-task';

/** A task whose runs each wait for release(); counts runs and the most at once. */
function gatedTask() {
  let runs = 0;
  let active = 0;
  let most = 0;
  let open: (() => void)[] = [];
  const task = async () => {
    runs++;
    most = Math.max(most, ++active);
    await new Promise<void>((resolve) => open.push(resolve));
    active--;
  };
  const release = async () => {
    const waiting = open;
    open = [];
    waiting.forEach((r) => r());
    await new Promise((r) => setImmediate(r));
  };
  return { task, release, stats: () => ({ runs, most }) };
}

describe('background task', () => {
  it('one run at a time; requests during a run become one more run after it', async () => {
    const gate = gatedTask();
    const background = new BackgroundTask(gate.task, () => false);
    background.request();
    background.request();
    background.request();
    assert.deepEqual(gate.stats(), { runs: 1, most: 1 });
    await gate.release();
    assert.deepEqual(gate.stats(), { runs: 2, most: 1 }, 'the two requests made one more run');
    const idle = background.idle();
    await gate.release();
    await idle;
    assert.deepEqual(gate.stats(), { runs: 2, most: 1 });
    background.request();
    assert.equal(gate.stats().runs, 3, 'idle again: a request runs at once');
    await gate.release();
  });

  it('a failure is thrown once at the next step; none is kept once the owner is gone', async () => {
    let gone = false;
    const failing = new BackgroundTask(
      async () => {
        throw new Error('embedding failed');
      },
      () => gone,
    );
    failing.request();
    await failing.idle();
    assert.throws(() => failing.rethrow(), /embedding failed/);
    assert.doesNotThrow(() => failing.rethrow(), 'thrown once');
    gone = true;
    failing.request();
    await failing.idle();
    assert.doesNotThrow(() => failing.rethrow(), 'the owner was disposed: its failure is not news');
  });
});
