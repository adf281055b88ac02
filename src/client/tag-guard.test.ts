import { describe, expect, it } from 'vitest';
import { createTagGuard } from './tag-guard.ts';

describe('createTagGuard', () => {
  it('keeps the first values as they are and records later ones as "other", warning once', () => {
    const warnings: string[] = [];
    const guard = createTagGuard('event', (message) => warnings.push(message), 2);
    expect(['a', 'b', 'a', 'c', 'd', 'b'].map((v) => guard.tag(v))).toEqual(['a', 'b', 'a', 'other', 'other', 'b']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/more than 2 distinct event tag values \(the latest: "c"\).*event:other.*payload/);
  });
});
