import { describe, expect, it } from 'vitest';
import { startFaultInjector, type FaultTargets } from './inject-faults.ts';
import { parseFault } from './parse-fault.ts';

// The injector's bookkeeping, with targets that record what they are asked (each target is
// exercised for real in test/faults/). Times are a few ms: the order is asserted, never durations.

function recordingTargets(calls: string[]): FaultTargets {
  return {
    cluster: {
      async signalNode(node, signal) {
        calls.push(`node ${node} ${signal}`);
        if (node === 9) throw new Error('node 9 is not running');
        return { pid: 100 + node };
      },
      async blockLoop(node, ms) {
        calls.push(`node ${node} block ${ms}`);
        return { pid: 100 + node };
      },
    },
    redis: {
      pid: 7,
      freeze: () => void calls.push('redis freeze'),
      thaw: () => void calls.push('redis thaw'),
      restart: async (downMs) => void calls.push(`redis restart ${downMs}`),
      killSubscribers: async () => (calls.push('redis kill subscribers'), 3),
    },
  };
}

const clock = () => {
  const start = Date.now();
  return () => Date.now() - start;
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startFaultInjector', () => {
  it('injects each fault at its time and lifts it after its duration, recording both', async () => {
    const calls: string[] = [];
    const injector = startFaultInjector({
      faults: ['freeze-node 1 at 5ms for 20ms', 'kill-redis-subscribers at 10ms'].map(parseFault),
      targets: recordingTargets(calls),
      elapsedMs: clock(),
    });
    await pause(80);
    await injector.stop();
    expect(calls).toEqual(['node 1 SIGSTOP', 'redis kill subscribers', 'node 1 SIGCONT']);
    const [freeze, kill] = injector.events();
    expect(freeze).toMatchObject({ label: 'freeze-node 1 at 5ms for 20ms', applied: true, detail: 'node 1 pid 101 SIGSTOP' });
    expect(freeze!.endMs).toBeGreaterThan(freeze!.atMs);
    expect(kill).toMatchObject({ applied: true, detail: '3 subscriber connections cut' });
    expect(kill!.endMs).toBe(kill!.atMs);
  });

  it('stop() cancels the faults still to come and lifts the ones in force', async () => {
    const calls: string[] = [];
    const injector = startFaultInjector({
      faults: ['freeze-redis at 1ms for 1m', 'kill-node 0 at 1m'].map(parseFault),
      targets: recordingTargets(calls),
      elapsedMs: clock(),
    });
    await pause(30);
    await injector.stop();
    await injector.stop();
    expect(calls).toEqual(['redis freeze', 'redis thaw']);
    expect(injector.events().map((e) => e.kind)).toEqual(['freeze-redis']);
  });

  it('records a fault that could not be injected, with why, and goes on', async () => {
    const calls: string[] = [];
    const notices: string[] = [];
    const injector = startFaultInjector({
      faults: ['kill-node 9 at 1ms', 'latency entry 10ms at 2ms for 1s', 'block-loop 0 at 3ms for 5ms'].map(parseFault),
      targets: recordingTargets(calls),
      elapsedMs: clock(),
      onNotice: (m) => notices.push(m),
    });
    await pause(40);
    await injector.stop();
    expect(injector.events().map((e) => [e.label, e.applied, e.error])).toEqual([
      ['kill-node 9 at 1ms', false, 'node 9 is not running'],
      ['latency entry 10ms at 2ms for 1s', false, 'this run has no proxy on the entry link'],
      ['block-loop 0 at 3ms for 5ms', true, undefined],
    ]);
    expect(notices).toContainEqual("fault: kill-node 9 at 1ms could not be injected: node 9 is not running");
  });
});
