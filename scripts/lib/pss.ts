// Memory as the system sees it: the proportional set size of a process tree (node plus the
// Chromium it started), for the scaling bench and the soak; and the CPU time the tree used,
// which another job on a shared machine slows less than it slows the wall clock.
import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat after the parenthesised command name (which may hold spaces). */
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** `root` and all its descendants, from /proc. */
function treePids(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/PID/stat, after the parenthesised command name.
      parent.set(Number(name), Number(statFields(readFileSync(`/proc/${name}/stat`, 'utf8'))[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(inTree);
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

/** Resident pages from statm (field 2), in KiB: cheap, where smaps_rollup walks every mapping. */
const rssKiB = (pid: number) =>
  (Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096) / 1024;

/** PSS (KiB) of `root` and all its descendants. */
export function treePssKiB(root: number): number {
  return sumOver(treePids(root), pssKiB);
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

  sample(): void {
    const pids = treePids(this.root);
    const rss = sumOver(pids, rssKiB);
    if (rss < this.rssHigh + RSS_STEP_KIB) return;
    this.rssHigh = rss;
    this.pssReads++;
    this.peakKiB = Math.max(this.peakKiB, sumOver(pids, pssKiB));
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

  sample(): void {
    for (const pid of treePids(this.root)) {
      try {
        const { ticks, startTime } = statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        this.last.set(`${pid}@${startTime}`, ticks);
      } catch {
        // ended while we looked: its last sample stands
      }
    }
  }

  get seconds(): number {
    let ticks = 0;
    for (const t of this.last.values()) ticks += t;
    return ticks / TICKS_PER_SECOND;
  }
}
