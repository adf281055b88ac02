import { describe, expect, it } from 'vitest';
import { createKeyedSerial } from './serial.ts';

/** A promise settled from the outside, so a test decides when each task finishes (no timers). */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending microtask and promise callback run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('createKeyedSerial', () => {
  it('runs tasks with the same key in order even when an earlier one is slower', async () => {
    const serial = createKeyedSerial();
    const log: string[] = [];
    const slow = deferred();
    const first = serial.run('k', async () => {
      log.push('start 1');
      await slow.promise;
      log.push('end 1');
      return 1;
    });
    const second = serial.run('k', async () => {
      log.push('start 2');
      log.push('end 2');
      return 2;
    });
    const third = serial.run('k', async () => {
      log.push('start 3');
      return 3;
    });
    await settle();
    expect(log).toEqual(['start 1']);
    slow.resolve();
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 3]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3']);
  });

  it('runs tasks with different keys concurrently', async () => {
    const serial = createKeyedSerial();
    const log: string[] = [];
    const a = deferred();
    const b = deferred();
    const runA = serial.run('a', async () => {
      log.push('start a');
      await a.promise;
      log.push('end a');
    });
    const runB = serial.run('b', async () => {
      log.push('start b');
      await b.promise;
      log.push('end b');
    });
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    b.resolve();
    await runB;
    expect(log).toEqual(['start a', 'start b', 'end b']);
    a.resolve();
    await runA;
    expect(log).toEqual(['start a', 'start b', 'end b', 'end a']);
  });

  it('a rejected task rejects its own run and does not block the next', async () => {
    const serial = createKeyedSerial();
    const gate = deferred();
    const failing = serial.run('k', async () => {
      await gate.promise;
      throw new Error('boom');
    });
    const next = serial.run('k', async () => 'next ran');
    gate.resolve();
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next ran');
  });

  it('a task that throws synchronously does not block the next either', async () => {
    const serial = createKeyedSerial();
    const failing = serial.run('k', () => {
      throw new Error('sync boom');
    });
    await expect(failing).rejects.toThrow('sync boom');
    await expect(serial.run('k', async () => 42)).resolves.toBe(42);
  });

  it('keeps order for a key that was idle and is used again', async () => {
    const serial = createKeyedSerial();
    await serial.run('k', async () => 'first');
    await settle();
    const log: number[] = [];
    const slow = deferred();
    const one = serial.run('k', async () => {
      await slow.promise;
      log.push(1);
    });
    const two = serial.run('k', async () => {
      log.push(2);
    });
    await settle();
    expect(log).toEqual([]);
    slow.resolve();
    await Promise.all([one, two]);
    expect(log).toEqual([1, 2]);
  });
});
