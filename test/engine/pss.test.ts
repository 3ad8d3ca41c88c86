// The memory sampler behind the bench's scaling block and the soak (scripts/lib/pss.ts),
// against a real child process that holds known amounts of touched memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PeakPss, treePssKiB } from '../../scripts/lib/pss';

const MIB = 1024;

/** A node child that fills (every page touched) 64 MiB more each time it reads a line, and says so. */
async function growingChild() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const held = []; const grow = () => { held.push(Buffer.alloc(64 << 20, 1)); process.stdout.write('grown\\n'); };
       grow(); process.stdin.on('data', grow);`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await once(child.stdout, 'data');
  return {
    child,
    async grow() {
      child.stdin.write('\n');
      await once(child.stdout, 'data');
    },
  };
}

test('PeakPss follows a growing process tree, reading PSS only when the resident size grows', async () => {
  const { child, grow } = await growingChild();
  try {
    assert.ok(treePssKiB(child.pid!) >= 64 * MIB, 'the child holds its 64 MiB');
    const peak = new PeakPss(process.pid);
    peak.sample();
    const full = treePssKiB(process.pid);
    assert.equal(peak.pssReads, 1);
    assert.ok(Math.abs(peak.peakKiB - full) <= 16 * MIB, `peak ${peak.peakKiB} KiB vs full read ${full} KiB`);

    // Nothing grew: no PSS read, the peak stays.
    const first = peak.peakKiB;
    peak.sample();
    peak.sample();
    assert.equal(peak.pssReads, 1);
    assert.equal(peak.peakKiB, first);

    await grow();
    peak.sample();
    assert.equal(peak.pssReads, 2);
    assert.ok(peak.peakKiB - first >= 48 * MIB, `grew by ${(peak.peakKiB - first) / MIB} MiB`);
  } finally {
    child.kill();
  }
});

test('PeakPss of a process that is gone reads nothing and does not throw', () => {
  const peak = new PeakPss(2 ** 22 + 12345);
  peak.sample();
  assert.equal(peak.peakKiB, 0);
});
