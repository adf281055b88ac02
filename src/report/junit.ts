import type { RunViolations } from '../checks/violations.ts';
import { describeViolation } from '../checks/violations.ts';
import { formatObserved } from './format.ts';
import type { RunResultForReport } from './summary.ts';

/** Text safe inside an XML attribute or element: escaped, control characters XML 1.0 forbids dropped. */
export const xmlText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; detail: string };
}

/**
 * JUnit XML for a run, so CI shows it as tests: one testcase per threshold, one per violation
 * kind checked online, and one for the generator's health (a saturated generator measured itself).
 * An interrupted or crashed run's cases are judged on what it recorded; the suite says it is partial.
 */
export function renderRunJunit(result: RunResultForReport): string {
  const cases: Case[] = [
    ...result.thresholds.map((t): Case => ({
      classname: 'bazaar.thresholds',
      name: `${t.key} ${t.source}`,
      ...(t.passed ? {} : {
        failure: {
          message: `${t.key} ${t.source} failed: observed ${formatObserved(t.observed, t.unit)}${t.reason ? ` (${t.reason})` : ''}`,
          detail: [t.reason, t.neverObserved?.length ? `never observed: ${t.neverObserved.join(', ')}` : undefined].filter(Boolean).join('\n'),
        },
      }),
    })),
    ...violationCases(result.violations),
    {
      classname: 'bazaar.generator',
      name: 'load generator not saturated',
      ...(result.generator.saturated ? {
        failure: {
          message: `the load generator was saturated (event-loop delay p99 ${result.generator.loopDelayP99Ms} ms, CPU ${result.generator.cpuPercent}%): latencies include its own delay`,
          detail: result.generator.note ?? '',
        },
      } : {}),
    },
  ];
  const failures = cases.filter((c) => c.failure).length;
  const seconds = (result.durationMs / 1000).toFixed(3);
  const suite = `bazaar run ${result.scenario}${result.partial ? ` (partial: ${result.status})` : ''}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bazaar run" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}">`,
    `  <testsuite name="${xmlText(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${xmlText(result.startedAt)}">`,
    ...cases.map((c) => {
      const open = `    <testcase classname="${xmlText(c.classname)}" name="${xmlText(c.name)}" time="0"`;
      if (!c.failure) return `${open}/>`;
      return `${open}>\n      <failure message="${xmlText(c.failure.message)}">${xmlText(c.failure.detail)}</failure>\n    </testcase>`;
    }),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function violationCases(violations: RunViolations | undefined): Case[] {
  if (!violations?.checked) return [];
  return violations.kinds.map((kind): Case => {
    const count = violations.counts[kind] ?? 0;
    const evidence = violations.evidence.filter((v) => v.kind === kind).map(describeViolation);
    return {
      classname: 'bazaar.violations',
      name: `no ${kind} violations under load`,
      ...(count > 0 ? { failure: { message: `${count} ${kind} violation${count === 1 ? '' : 's'}: ${evidence[0] ?? 'see result.json'}`, detail: evidence.join('\n') } } : {}),
    };
  });
}
