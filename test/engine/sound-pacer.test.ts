// The pacing of a file's sound by its frames (src/engine/sound-pacer.ts): the sound never
// gets more than the lead ahead of the frames, a frame waits until its sound is there, the
// two never block each other (also with a decoder that hands its output on late), and an
// end, a failure or a stop on one side releases the other.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SOUND_LEAD_SECONDS, SoundPacer, SoundStopped } from '../../src/engine/sound-pacer';

const tick = () => new Promise((r) => setImmediate(r));

/** Whether `promise` has settled after a few turns of the event loop. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await tick();
  return done;
}

describe('sound pacer', () => {
  it('the sound waits while it is more than the lead ahead of the newest frame', async () => {
    const pacer = new SoundPacer(0, 10);
    assert.ok(await settled(pacer.beforeSound(9)), 'no frame yet: the sound may run the lead past the start');
    assert.equal(await settled(pacer.beforeSound(10.5)), false, 'but no further');
    pacer.soundReached(12);
    const frame = pacer.beforeFrame(1);
    assert.ok(await settled(frame));
    assert.ok(await settled(pacer.beforeSound(11)), '11 s is within 10 s of the frame at 1 s');
    const far = pacer.beforeSound(12);
    assert.equal(await settled(far), false, '12 s is more than 10 s ahead of 1 s');
    await pacer.beforeFrame(2);
    assert.ok(await settled(far), 'a frame at 2 s lets it go on');
  });

  it('a frame waits for its sound; the sound reaching it, ending, or waiting itself releases it', async () => {
    const pacer = new SoundPacer(0, 10);
    await pacer.beforeSound(0);
    const frame = pacer.beforeFrame(0.5);
    assert.equal(await settled(frame), false);
    pacer.soundReached(0.6);
    assert.ok(await settled(frame));

    const waitsForSound = pacer.beforeFrame(3);
    assert.equal(await settled(waitsForSound), false);
    // The sound waits for frames (a decoder holding output back): the frame must not wait for it.
    const sound = pacer.beforeSound(20);
    assert.ok(await settled(waitsForSound), 'never both waiting');
    assert.equal(await settled(sound), false);
    pacer.endFrames();
    assert.ok(await settled(sound), 'the frames ended: the sound goes on unpaced');

    const ended = new SoundPacer(0, 10);
    const late = ended.beforeFrame(5);
    ended.endSound();
    assert.ok(await settled(late), 'the sound ended (or there is none): frames go on');
  });

  it("the sound's failure fails the next frame; a stop fails the sound's next step", async () => {
    const pacer = new SoundPacer(0, 10);
    const frame = pacer.beforeFrame(1);
    pacer.endSound(new Error('not an audio format'));
    await assert.rejects(frame, /not an audio format/);
    const stopped = new SoundPacer(0, 10);
    const waiting = stopped.beforeSound(30);
    stopped.stop();
    await assert.rejects(waiting, SoundStopped);
    await assert.rejects(stopped.beforeSound(0), SoundStopped);
  });

  it('a decoder that hands its output on 2 s late: both sides finish, the sound at most the lead ahead', async () => {
    const pacer = new SoundPacer(0, SOUND_LEAD_SECONDS);
    const seconds = 60;
    let framesAt = 0;
    let maxLead = 0;
    const sound = (async () => {
      const pending: number[] = [];
      for (let t = 0; t < seconds; t += 0.064) {
        await pacer.beforeSound(t);
        maxLead = Math.max(maxLead, t - framesAt);
        pending.push(t + 0.064);
        // Output comes 2 s of sound after its input (a decoder queue), the rest at the end.
        while (pending.length > 0 && pending[0] <= t - 2) pacer.soundReached(pending.shift()!);
        await tick();
      }
      for (const end of pending) pacer.soundReached(end);
      pacer.endSound();
    })();
    const frames = (async () => {
      for (let t = 0; t < seconds; t += 0.04) {
        await pacer.beforeFrame(t);
        framesAt = t;
        await tick();
        await tick();
      }
      pacer.endFrames();
    })();
    await Promise.all([sound, frames]);
    assert.ok(
      maxLead <= SOUND_LEAD_SECONDS + 0.1,
      `the sound led the frames by up to ${maxLead.toFixed(2)} s`,
    );
  });
});
