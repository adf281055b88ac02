import { expect, it } from 'vitest';
import { runRepro } from '../../src/lab/repro/run-repro.ts';

// docs/repro/ghost-after-kill.md: a node killed while its users are watched, its users not coming
// back. With presence in each node's memory no survivor ever says they went offline (the run's
// presence check calls them ghosts); with presence in Redis with a TTL they lapse and are announced.

it("ghost-after-kill: a killed node's users stay online with node-memory presence, and are announced offline with Redis TTL presence", async () => {
  const report = await runRepro('ghost-after-kill', { scale: 0.25, durationMs: 8_000, env: { PATH: process.env.PATH } });
  expect(report.verdict, JSON.stringify([report.bug?.match, report.fix?.match])).toBe('reproduced-fixed');
  const bug = report.bug!.match.figures;
  const fix = report.fix!.match.figures;
  // The kill cut connections in both variants, and none of them came back: every user it took was owed an offline.
  for (const figures of [bug, fix]) {
    expect(figures['connections lost with the node']).toBeGreaterThan(0);
    expect(figures['reconnects in the window']).toBe(0);
  }
  expect(bug['presence violations']).toBeGreaterThan(0);
  expect(bug['ghosts in the evidence']).toMatch(/^[1-9]\d* of /);
  expect(fix['presence violations']).toBe(0);
}, 120_000);
