// RenewingWorker (src/engine/renewing-worker.ts): a landmarker worker replaced by a fresh one
// after a number of jobs, with no job lost, none sent to a closed worker, and the old worker
// closed only once its last job has answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RenewingWorker, type RenewableWorker } from '../../src/engine/renewing-worker';

/** A worker whose jobs answer when the test says so. */
class FakeWorker implements RenewableWorker<number, string> {
  closed = false;
  failed = false;
  readonly jobs: number[] = [];
  private readonly answers: { resolve: (r: string) => void; reject: (e: Error) => void }[] = [];
  constructor(readonly name: string) {}
  run(job: number): Promise<string> {
    if (this.closed) return Promise.reject(new Error(`${this.name}: closed`));
    this.jobs.push(job);
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject }));
  }
  answerAll(): void {
    for (const [i, a] of this.answers.splice(0).entries()) a.resolve(`${this.name}:${i}`);
  }
  failNext(): void {
    this.answers.shift()!.reject(new Error(`${this.name}: graph has errors`));
  }
  close(): void {
    this.closed = true;
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A slot holding worker 'first', renewing after `jobs`, its replacements from a starter(). */
function setUp(jobs: number) {
  const first = new FakeWorker('first');
  const s = starter();
  return { first, s, slot: new RenewingWorker(first, s.start, jobs) };
}

/** A start() the test resolves or rejects. */
function starter() {
  const started: FakeWorker[] = [];
  const pending: { resolve: (w: FakeWorker) => void; reject: (e: Error) => void }[] = [];
  return {
    started,
    start: () =>
      new Promise<RenewableWorker<number, string>>((resolve, reject) =>
        pending.push({
          resolve: (w) => {
            started.push(w);
            resolve(w);
          },
          reject,
        }),
      ),
    ready(name: string) {
      pending.shift()!.resolve(new FakeWorker(name));
    },
    fail() {
      pending.shift()!.reject(new Error('cannot load MediaPipe'));
    },
    get waiting() {
      return pending.length;
    },
  };
}

test('after N jobs the old worker answers its jobs and is closed, then a fresh one loads and takes the jobs given meanwhile, in order', async () => {
  const { first, s, slot } = setUp(3);
  const results = [slot.run(0), slot.run(1), slot.run(2)];
  results.push(slot.run(3), slot.run(4));
  assert.deepEqual(first.jobs, [0, 1, 2], 'jobs after the third wait for the fresh worker');
  await settle();
  assert.equal(s.waiting, 0, 'nothing loads beside a worker that still has jobs');
  assert.equal(first.closed, false);
  first.answerAll();
  await settle();
  assert.equal(first.closed, true, 'the old worker is closed before the fresh one loads');
  assert.equal(s.waiting, 1);
  results.push(slot.run(5));
  s.ready('second');
  await settle();
  const second = s.started[0];
  assert.deepEqual(second.jobs, [3, 4, 5]);
  assert.equal(slot.renewals, 1);
  results.push(slot.run(6));
  assert.deepEqual(second.jobs, [3, 4, 5, 6], 'once in service, jobs go straight to it');
  second.answerAll();
  assert.deepEqual(await Promise.all(results), [
    'first:0',
    'first:1',
    'first:2',
    'second:0',
    'second:1',
    'second:2',
    'second:3',
  ]);
  slot.close();
  assert.equal(second.closed, true);
});

test('a job given at any moment while the fresh worker comes into service lands after the waiting ones', async () => {
  // Frames reach the tracker from promise continuations too: whatever microtask a job comes
  // in, the fresh VIDEO-mode landmarker must see the frames in the order they were given.
  for (let depth = 0; depth < 8; depth++) {
    const { first, s, slot } = setUp(1);
    slot.run(0);
    slot.run(1);
    slot.run(2);
    first.answerAll();
    await settle();
    s.ready('second');
    for (let i = 0; i < depth; i++) await Promise.resolve();
    slot.run(3);
    await settle();
    assert.deepEqual(s.started[0].jobs, [1, 2, 3], `a job ${depth} microtasks after the load`);
  }
});

test('the count starts again on the fresh worker: a second renewal after another N jobs', async () => {
  const { first, s, slot } = setUp(2);
  slot.run(0);
  slot.run(1);
  first.answerAll();
  await settle();
  s.ready('second');
  await settle();
  slot.run(2);
  const second = s.started[0];
  second.answerAll();
  await settle();
  assert.equal(s.waiting, 0);
  slot.run(3);
  second.answerAll();
  await settle();
  assert.equal(s.waiting, 1);
  s.ready('third');
  await settle();
  slot.run(4);
  assert.deepEqual(s.started[1].jobs, [4]);
  assert.equal(slot.renewals, 2);
});

/** A slot renewing after every job, one job waiting, the first load of a fresh worker failed. */
async function firstLoadFailed() {
  const { first, s, slot } = setUp(1);
  slot.run(0);
  const waiting = slot.run(1);
  first.answerAll();
  await settle();
  s.fail();
  await settle();
  return { s, slot, waiting };
}

test('a fresh worker that fails to load is tried once more', async () => {
  const { s, slot, waiting } = await firstLoadFailed();
  assert.equal(s.waiting, 1, 'a second load');
  s.ready('second');
  await settle();
  s.started[0].answerAll();
  assert.equal(await waiting, 'second:0');
  assert.equal(slot.failed, false);
});

test('when the second load fails too, the waiting and later jobs fail and so does the slot', async () => {
  const { s, slot, waiting } = await firstLoadFailed();
  s.fail();
  await assert.rejects(waiting, /cannot load MediaPipe/);
  await assert.rejects(slot.run(2), /cannot load MediaPipe/);
  assert.equal(slot.failed, true);
});

test('closed while a fresh worker loads: it is closed as it arrives and never put in service', async () => {
  const { first, s, slot } = setUp(1);
  slot.run(0);
  first.answerAll();
  await settle();
  slot.close();
  s.ready('second');
  await settle();
  assert.equal(s.started[0].closed, true);
  assert.equal(slot.renewals, 0);
});

test('a slot whose job failed renews no more: its worker is left as it is', async () => {
  const { first, s, slot } = setUp(2);
  const failing = slot.run(0);
  first.failNext();
  await assert.rejects(failing, /graph has errors/);
  assert.equal(slot.failed, true);
  slot.run(1);
  first.answerAll();
  await settle();
  assert.equal(s.waiting, 0);
  assert.equal(first.closed, false);
});

test('Infinity never renews', () => {
  const s = starter();
  const slot = new RenewingWorker(new FakeWorker('only'), s.start, Infinity);
  for (let i = 0; i < 1000; i++) slot.run(i);
  assert.equal(s.waiting, 0);
});
