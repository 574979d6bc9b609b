// CPU accounting for the bench: user+system seconds of whole processes (every thread, including
// threads that have exited) from Linux /proc, so a worker thread's or Redis's work is counted.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/**
 * Waits until the processes are quiet (at most one clock tick of CPU over a 300 ms window) and
 * returns their CPU seconds at the start of that window. Read at the last receipt instead, the
 * figure would leave out recording the last attempts, which happens after the receiver answers.
 */
export async function cpuOnceQuiet<T>(pids: readonly number[], read: () => T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let before = totalCpuSeconds(pids);
  let reading = read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = totalCpuSeconds(pids);
    if (after - before <= 1 / TICKS_PER_SECOND + 1e-9 || Date.now() > deadline) return reading;
    before = after;
    reading = read();
  }
}

/**
 * CPU seconds of a server made of a parent and short-lived children (PostgreSQL: the postmaster and
 * its backends): the parent's own time, the time of children it has reaped (cutime, cstime) and the
 * time of children alive now, so a backend that ends between two readings is still counted.
 */
export function processTreeCpuSeconds(parentPid: number): number {
  const fields = readFileSync(`/proc/${parentPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(child[1]) === parentPid) ticks += Number(child[11]) + Number(child[12]);
    } catch {
      // It ended between the listing and the read; its parent's cutime has it once reaped.
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** The parent of a process (for a PostgreSQL backend, the postmaster). */
export function parentPid(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
}

/** User+system CPU seconds of each live thread of a process, by thread id, with the thread's name. */
export function threadCpuSeconds(pid: number): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      threads.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** Each thread's CPU since `before`, in seconds, heaviest first (threads that ended are left out). */
export function threadCpuSince(pid: number, before: Map<number, { name: string; seconds: number }>): Array<{ tid: number; name: string; seconds: number }> {
  return [...threadCpuSeconds(pid)]
    .map(([tid, { name, seconds }]) => ({ tid, name, seconds: seconds - (before.get(tid)?.seconds ?? 0) }))
    .filter((thread) => thread.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds);
}
