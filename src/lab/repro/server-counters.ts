import type { ServerCounters } from './types.ts';

/** Reads the reference server's refusal and disconnect counters out of Prometheus text (pure). */
export function parseServerCounters(text: string): ServerCounters {
  const counters: ServerCounters = { connectionErrors: {}, disconnects: {} };
  for (const line of text.split('\n')) {
    const match = /^(socket_io_connection_errors_total|socket_io_disconnects_total)\{(.*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[label[1] as string] = label[2] as string;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    if (match[1] === 'socket_io_connection_errors_total') add(counters.connectionErrors, `${labels.code} ${labels.message}`, value);
    else add(counters.disconnects, labels.reason ?? 'other', value);
  }
  return counters;
}

export function mergeServerCounters(all: ServerCounters[]): ServerCounters {
  const merged: ServerCounters = { connectionErrors: {}, disconnects: {} };
  for (const counters of all) {
    for (const [key, value] of Object.entries(counters.connectionErrors)) add(merged.connectionErrors, key, value);
    for (const [key, value] of Object.entries(counters.disconnects)) add(merged.disconnects, key, value);
  }
  return merged;
}

/** Scrapes every node; a node that does not answer (killed by a fault) counts as nothing, and is named. */
export async function scrapeServerCounters(metricsUrls: string[]): Promise<{ counters: ServerCounters; unreachable: string[] }> {
  const unreachable: string[] = [];
  const all = await Promise.all(metricsUrls.map(async (url) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      return parseServerCounters(await res.text());
    } catch {
      unreachable.push(url);
      return { connectionErrors: {}, disconnects: {} };
    }
  }));
  return { counters: mergeServerCounters(all), unreachable };
}

function add(into: Record<string, number>, key: string, value: number): void {
  into[key] = (into[key] ?? 0) + value;
}
