import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc counts CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SEC = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined where
 * there is no /proc (not Linux) or the process is gone. For the server processes a run starts,
 * whose CPU is reported beside the generator's (docs/scaling.md).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is the first.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1000) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

/** Resident memory of a process now (bytes), from /proc/<pid>/status; undefined without /proc or when it is gone. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The processes' CPU from now on, as percent of one core over the time between start and read. */
export function startCpuMeter(pids: number[]): { read(): number | undefined } {
  const startedAt = performance.now();
  const sum = () => {
    let total = 0;
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms === undefined) return undefined;
      total += ms;
    }
    return total;
  };
  const first = pids.length ? sum() : undefined;
  let last: number | undefined;
  return {
    read() {
      // A process gone by the end (the server closed) keeps its last reading.
      const now = sum() ?? last;
      last = now;
      if (first === undefined || now === undefined) return undefined;
      return Math.round(((now - first) / Math.max(1, performance.now() - startedAt)) * 1000) / 10;
    },
  };
}
