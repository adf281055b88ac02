import { describe, expect, it } from 'vitest';
import { runRepro } from '../../src/lab/repro/run-repro.ts';

// Issue 9, slow-consumer: a quarter of the clients stop reading (the fault proxy holds their
// side). Each run starts its own cluster and Redis. The first few MB per slow socket sit in the
// kernels' socket buffers (~4 MB of send buffer each, by autotuning), which is why even the CI
// size needs 18 s of load before the server's own buffers fill.

const env = { PATH: process.env.PATH };

describe('slow-consumer', () => {
  it('a node holds a MiB and more of what slow clients do not read for seconds on end; with the bound on they are disconnected and nothing is held', async () => {
    const report = await runRepro('slow-consumer', { durationMs: 18_000, env });
    expect(report.verdict, JSON.stringify([report.bug?.match, report.fix?.match])).toBe('reproduced-fixed');
    expect(report.bug?.match.figures.fault).toMatch(/^slow-consumers 25% at 2s \(3 of 12 client connections stopped reading\)$/);
    expect(report.bug?.match.figures['slow clients disconnected by the server']).toBe(0);
    // Server counters come from the nodes the run started itself (the fault lab).
    expect(report.bug?.match.figures['server disconnects by reason']).toBe('none');
    expect(report.fix?.match.figures['slow clients disconnected by the server']).toBe(3);
    expect(report.fix?.match.figures['unsent bytes held at the end']).toBe('0 B');
  }, 120_000);
});
