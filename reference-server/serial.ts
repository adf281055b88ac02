/**
 * Runs tasks one after another per key, so that what a task assigns (a seq, a version) and
 * what it emits go out in the same order even when the store is asynchronous.
 */
export interface KeyedSerial {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createKeyedSerial(): KeyedSerial {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
