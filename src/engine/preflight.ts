import { readFileSync } from 'node:fs';

/** The soft limit on open files of this process (Linux), or undefined where it cannot be read. */
export function openFilesLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s+/m.exec(text);
  if (!match) return undefined;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

/**
 * A warning when a run may open more connections than the process may hold files, or than one
 * source address has ephemeral ports for; undefined when it fits.
 */
export function connectionWarning(plannedConnections: number, filesLimit: number | undefined, sourceAddresses: number, processes = 1): string | undefined {
  // The open-files limit is per process; the ephemeral ports of a source address are shared by all of them.
  const perProcess = Math.ceil(plannedConnections / Math.max(1, processes));
  const needed = perProcess + 200; // stdio, the embedded server's pipes, HTTP sockets
  if (filesLimit !== undefined && needed > filesLimit) {
    const who = processes > 1 ? `each of the ${processes} workers may open up to ${perProcess} connections` : `this run may open up to ${plannedConnections} connections`;
    return `${who} (a buyer's and a seller's per VU at most; a scenario using one user per VU needs half) but a process may hold only ${filesLimit} open files: raise it first (ulimit -n ${needed * 2}), or spread the users over more --workers`;
  }
  const perAddress = plannedConnections / Math.max(1, sourceAddresses);
  if (perAddress > 28_000) {
    return `about ${Math.round(perAddress)} connections per source address exceeds the ~28k ephemeral ports of one address: spread them with --local-addresses 127.0.0.2-127.0.0.9`;
  }
  return undefined;
}
