import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'reference-server/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Vitest's default on 2 cores is one worker (cores − 1), and most end-to-end files spend their
    // time waiting on real servers' timers (presence TTLs, ping intervals, delivery timeouts): the
    // machine sat at a load of 0.3 while the suite took over 30 minutes. Three files at a time keep
    // both cores busy without starving the timing-sensitive ones.
    maxWorkers: 3,
  },
});
