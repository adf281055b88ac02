import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFECTS } from '../reference-server/index.ts';
import { ALL_CHECKS } from '../src/checks/suite.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

// Docs that match the code: every id the code knows is written down where people look.
describe('the docs match the code', () => {
  it('docs/checks.md lists every check id', () => {
    const doc = read('docs/checks.md');
    expect(ALL_CHECKS.map((c) => c.id).filter((id) => !doc.includes(`\`${id}\``))).toEqual([]);
  });

  it('reference-server/DEFECTS.md documents every defect', () => {
    const doc = read('reference-server/DEFECTS.md');
    expect(DEFECTS.map((d) => d.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('the README names every shipped scenario', () => {
    const readme = read('README.md');
    const shipped = readdirSync(new URL('../scenarios/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    expect(shipped.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
