// Memory as the system sees it: the proportional set size of a process tree (node plus the
// Chromium it started), for the scaling bench and the soak; and the CPU time the tree used,
// which another job on a shared machine slows less than it slows the wall clock.
import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat after the parenthesised command name (which may hold spaces). */
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/**
 * `root` and all its descendants, each with its /proc/PID/stat line, from one walk of /proc
 * (the walk reads every process's stat for its parent; the tree's lines are kept for the
 * samplers below, which would otherwise read them again).
 */
export function processTree(root: number): Map<number, string> {
  const stats = new Map<number, string>();
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      stats.set(Number(name), stat);
      parent.set(Number(name), Number(statFields(stat)[1])); // field 4, the parent
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return new Map([...stats].filter(([pid]) => inTree(pid)));
}

/** Sum over pids of a number read from one /proc file each (a process that ended counts 0). */
function sumOver(pids: number[], read: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += read(pid);
    } catch {
      // ended, or not ours to read
    }
  }
  return total;
}

const pssKiB = (pid: number) =>
  Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);

/** Resident size from a stat line (field 24, pages), in KiB: cheap, where smaps_rollup walks every mapping. */
const rssKiB = (stat: string) => (Number(statFields(stat)[21]) * 4096) / 1024;

/** PSS (KiB) of `root` and all its descendants. */
export function treePssKiB(root: number): number {
  return sumOver([...processTree(root).keys()], pssKiB);
}

/** How far the resident size must pass the last high before PSS is read again. */
const RSS_STEP_KIB = 16 * 1024;

/**
 * The peak PSS of a process tree, sampled often without stealing the CPU it measures: reading
 * PSS costs ~70 ms for Chromium's tree here (smaps_rollup walks every mapping of processes
 * with terabytes of reserved address space), 14 % of a core at two reads a second. The cheap
 * resident size is read each time, the PSS only when the resident size passes its last high
 * by RSS_STEP_KIB — where a new PSS peak can be (the pages that raise one raise the other), so
 * the peak is low by at most about that step, and a file of any length costs ~100 PSS reads.
 */
export class PeakPss {
  private rssHigh = -Infinity;
  peakKiB = 0;
  /** How many times the PSS was read. */
  pssReads = 0;

  constructor(private readonly root: number) {}

  /** `tree`: a walk already made for this root (processTree), shared with another sampler. */
  sample(tree = processTree(this.root)): void {
    let rss = 0;
    for (const stat of tree.values()) rss += rssKiB(stat);
    if (rss < this.rssHigh + RSS_STEP_KIB) return;
    this.rssHigh = rss;
    this.pssReads++;
    this.peakKiB = Math.max(this.peakKiB, sumOver([...tree.keys()], pssKiB));
  }
}

/** Linux's USER_HZ, the unit of /proc's CPU times (`getconf CLK_TCK`: 100 on every Linux ABI in use). */
const TICKS_PER_SECOND = 100;

/**
 * One /proc/PID/stat line's CPU ticks (proc(5) fields 14 and 15, user and system time) and
 * its start time (field 22), which tells a process from a later one given the same pid.
 */
export function statCpu(stat: string): { ticks: number; startTime: number } {
  const f = statFields(stat); // f[0] is field 3 (state)
  return { ticks: Number(f[11]) + Number(f[12]), startTime: Number(f[19]) };
}

/**
 * CPU seconds of a process tree: every process seen in it when sampled, at its last sample.
 * Counting what parents reap (cutime) missed most of Chromium's time — its renderers' CPU
 * never reached the CLI's total — so each process is read while it lives; the CPU a process
 * uses after its last sample is missed (at most the sampling interval's worth each, at exit,
 * when little runs).
 */
export class TreeCpu {
  private readonly last = new Map<string, number>();

  constructor(private readonly root: number) {}

  /** `tree`: a walk already made for this root (processTree), shared with another sampler. */
  sample(tree = processTree(this.root)): void {
    for (const [pid, stat] of tree) {
      const { ticks, startTime } = statCpu(stat);
      this.last.set(`${pid}@${startTime}`, ticks);
    }
  }

  get seconds(): number {
    let ticks = 0;
    for (const t of this.last.values()) ticks += t;
    return ticks / TICKS_PER_SECOND;
  }
}
