// The memory sampler behind the bench's scaling block and the soak (scripts/lib/pss.ts),
// against a real child process that holds known amounts of touched memory; and the CPU
// seconds it counts, against children that spin for a known time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PeakPss, statCpu, TreeCpu, treePssKiB } from '../../scripts/lib/pss';

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

test('statCpu reads fields 14, 15 and 22 after a command name with spaces and parentheses', () => {
  const line = '4242 (Web Content (x) 2) S 1 4242 4242 0 -1 4194560 10 0 0 0 250 30 7 5 20 0 12 0 987654 0 0';
  assert.deepEqual(statCpu(line), { ticks: 280, startTime: 987654 });
});

/**
 * A node child that waits for a grandchild to spin `seconds` of CPU, then spins as long itself; each
 * reports the CPU seconds it used (its own getrusage), the child the sum of both.
 */
function spinningTree(seconds: number) {
  // Spins until its own user time reaches `seconds` (read every 10⁵ turns: reading it is a system call).
  const spin = `for (let i = 1; i % 1e5 || process.cpuUsage().user < ${seconds * 1e6}; i++);`;
  const used = '((u) => (u.user + u.system) / 1e6)(process.cpuUsage())';
  return spawn(
    process.execPath,
    [
      '-e',
      `const g = require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(`${spin} process.stdout.write(String(${used}));`)}]);
       ${spin}
       process.stdout.write(String(Number(g.stdout) + ${used}) + '\\n');
       setTimeout(() => {}, 300);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

test('TreeCpu: the CPU seconds of every process seen in a tree, a grandchild gone before the end included', async () => {
  const child = spinningTree(0.6);
  const cpu = new TreeCpu(child.pid!);
  const timer = setInterval(() => cpu.sample(), 50);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await once(child, 'close');
  clearInterval(timer);
  const reported = Number(out.trim());
  assert.ok(reported >= 1.2, `the two spun ${reported} CPU s`);
  // Each process's CPU after its last sample (every 50 ms, later on a busy machine) is missed;
  // a missed grandchild would be 0.6 s.
  assert.ok(
    cpu.seconds >= reported - 0.3 && cpu.seconds <= reported + 0.05,
    `counted ${cpu.seconds} s, the processes said ${reported} s`,
  );
  const gone = cpu.seconds;
  cpu.sample();
  assert.equal(cpu.seconds, gone, 'a process that is gone keeps its last sample');
});
