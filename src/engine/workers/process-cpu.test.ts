import { describe, expect, it } from 'vitest';
import { processCpuMs, processRssBytes, startCpuMeter } from './process-cpu.ts';

describe.runIf(process.platform === 'linux')('processCpuMs', () => {
  it("reads this process's CPU time, close to what Node says it used", () => {
    const fromProc = processCpuMs(process.pid) as number;
    const usage = process.cpuUsage();
    // /proc counts in 10 ms ticks.
    expect(Math.abs(fromProc - (usage.user + usage.system) / 1000)).toBeLessThan(100);
  });

  it('reads its resident memory as Node does, within a few MB', () => {
    expect(Math.abs((processRssBytes(process.pid) as number) - process.memoryUsage.rss())).toBeLessThan(8 * 2 ** 20);
  });

  it('is undefined for a process that does not exist', () => {
    expect(processCpuMs(2 ** 22 + 7)).toBeUndefined();
    expect(processRssBytes(2 ** 22 + 7)).toBeUndefined();
  });

  it('meters the CPU a busy process uses, in percent of one core', () => {
    const meter = startCpuMeter([process.pid]);
    const until = performance.now() + 200;
    while (performance.now() < until);
    expect(meter.read()).toBeGreaterThan(30);
  });
});
