import { describe, expect, it } from 'vitest';
import { connectionWarning, openFilesLimit } from './preflight.ts';

describe('preflight', () => {
  it('reads the soft open-files limit', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                1048576              files\n';
    expect(openFilesLimit(text)).toBe(20_000);
    expect(openFilesLimit('Max open files            unlimited            unlimited            files\n')).toBe(Infinity);
  });

  it('warns when the connections will not fit the file limit or one address', () => {
    expect(connectionWarning(25_000, 20_000, 1)).toMatch(/ulimit -n/);
    expect(connectionWarning(40_000, Infinity, 1)).toMatch(/--local-addresses/);
    expect(connectionWarning(40_000, Infinity, 4)).toBeUndefined();
    expect(connectionWarning(1_000, 20_000, 1)).toBeUndefined();
    // Workers: the files limit is per process, the source ports are shared by all of them.
    expect(connectionWarning(50_000, 20_000, 8, 4)).toBeUndefined();
    expect(connectionWarning(50_000, 20_000, 8, 2)).toMatch(/each of the 2 workers may open up to 25000 connections/);
    expect(connectionWarning(60_000, 20_000, 1, 4)).toMatch(/per source address/);
  });
});
