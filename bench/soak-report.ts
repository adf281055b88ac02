/* The soak's figures as text (bench/soak.ts measures, bench/soak-stats.ts judges). Pure. */
import { renderTextTable } from '../src/report/table.ts';
import type { SoakResult } from './soak.ts';
import { FLAT_BOUND_FRACTION } from './soak-stats.ts';

const mb = (bytes: number | undefined, digits = 1) => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(digits)} MB`);

/** " (a 3, b 1)" for the non-zero counts, nothing when there are none. */
const tally = (counts: Record<string, number> | undefined) => {
  const parts = Object.entries(counts ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};
const kbPerMin = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1024).toFixed(1)} KB/min`);

export function renderSoak(soak: SoakResult): string {
  const v = soak.verdict;
  const minutes = soak.scheduleMs / 60_000;
  const peak = soak.peakInFlight;
  const lines = [
    `Soak (issue 14): a ${soak.checked ? 'checked' : 'UNCHECKED'} \`bazaar run\` of ${minutes.toFixed(minutes < 2 ? 2 : 1)} min against the reference server (its own process): ` +
      `${soak.ratePerSec} fresh buyers/s (each a new booking room: chat, typing, a read receipt, cancel, leave) and ${soak.ratePerSec} fresh visitors/s ` +
      '(watch a listing and its seller\'s presence, leave), sellers repricing, 40 sellers dropping and coming back, intruders',
    `  ${soak.freshUsers} users never seen before came and went, ${soak.bookings} booking rooms opened and closed; ${soak.iterations} iterations, ` +
      `${soak.errors} errors${tally(soak.errorsByCode)}, ${soak.violations} violations${tally(soak.violationsByKind)}, status ${soak.runStatus}; generator CPU ${soak.generatorCpuPercent}% of a core` +
      (soak.serverPinned ? '' : ' (server not pinned: it shares the cores)'),
    `  heap after a forced full collection every ${soak.sampleEveryMs / 1000} s:`,
    ...renderTextTable({
      headers: ['at', 'heap', 'RSS', 'server RSS', 'live users', 'checker streams', 'pending', 'unclaimed', 'paired', 'entitlements', 'read marks', 'first marks', 'tokens'],
      align: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows: soak.samples.map((s) => [
        `${Math.round(s.atMs / 1000)}s`, mb(s.heapUsedBytes), mb(s.rssBytes, 0), mb(s.serverRssBytes, 0),
        String(s.inFlight.liveUsers), String(s.inFlight.checkerStreams), String(s.inFlight.pending), String(s.inFlight.unclaimed), String(s.inFlight.pairedStreams),
        String(s.inFlight.entitlements ?? '-'), String(s.inFlight.readMarks ?? '-'), String(s.inFlight.firstDeliveries ?? '-'), String(s.inFlight.cachedTokens ?? '-'),
      ]),
    }, '    '),
    `  heap at the end of the warm-up (${Math.round(soak.warmupMs / 1000)} s): ${mb(v.warmupHeapBytes)}; at the end: ${mb(v.endHeapBytes)}; after the run, all closed: ${mb(soak.after.heapUsedBytes)}`,
    `  slope over the second half (${v.secondHalfSamples} samples, least squares): ${kbPerMin(v.slopeBytesPerMin)}; ` +
      (v.slopeBeyondLiveUsersBytesPerMin === undefined
        ? 'the live users did not vary'
        : `beyond what follows the live users (fitted together, ${((v.heapPerLiveUserBytes ?? 0) / 1024).toFixed(1)} KB each): ${kbPerMin(v.slopeBeyondLiveUsersBytesPerMin)}`),
    `  growth carried over 10 min: ${mb(v.growthPer10MinBytes, 2)}, against a bound of ${mb(v.boundBytes, 2)} (${FLAT_BOUND_FRACTION * 100}% of the heap)`,
    `  peak in flight (read every 250 ms): ${peak.liveUsers} live users, ${peak.checkerStreams} checker streams, ` +
      `${peak.pending} deliveries pending, ${peak.unclaimed} unclaimed, ${peak.pairedStreams} paired streams`,
    `  verdict: ${v.flat === undefined ? 'too few samples in the second half to judge' : !v.flat ? 'GROWING'
      : (v.growthPer10MinBytes ?? 0) < -(v.boundBytes ?? 0) ? 'flat: not growing (falling: a straight line fits the samples poorly, read the series)' : 'flat'}`,
  ];
  return lines.join('\n');
}
